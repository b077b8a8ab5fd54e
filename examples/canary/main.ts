// `cdk8s synth` (see cdk8s.yaml) or `npx ts-node main.ts` writes the manifests to dist/.
import { createApp } from './app';

createApp().synth();
