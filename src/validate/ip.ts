// IP address parsing lives in src/model/ip.ts (one parser for the whole library)
export * from '../model/ip';
