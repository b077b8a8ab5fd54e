// `cdk8s synth` (see cdk8s.yaml) or `npx ts-node main.ts` writes the manifests of one stage to dist/
// (STAGE=dev|staging|prod, default prod).
import { createApp } from './app';

createApp(undefined, process.env.STAGE).synth();
