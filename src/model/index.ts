export * from './objects';
export * from './diagnostics';
export * from './gateway-api';
export * from './scope';
export * from './annotations';
export * from './proxy-options';
