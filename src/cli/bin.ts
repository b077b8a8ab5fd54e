#!/usr/bin/env node
/**
 * The `cdk8s-gateway` executable (package `bin`): runs the one-file bundle of the CLI with its code
 * cache when the build made them (start-up: see `bundle-loader.ts`), else the CLI's modules.
 * `CDK8S_GATEWAY_NO_BUNDLE=1` runs the modules; `CDK8S_GATEWAY_DEBUG=1` prints which ran.
 */
import { runBundle } from './bundle-loader';

const debug = process.env.CDK8S_GATEWAY_DEBUG === '1';
const state = process.env.CDK8S_GATEWAY_NO_BUNDLE === '1' ? undefined : runBundle(__dirname);
if (state === undefined) require('./main');
if (debug) process.stderr.write(`debug: ${state === undefined ? 'modules (no bundle)' : `bundle, code cache ${state}`}\n`);
