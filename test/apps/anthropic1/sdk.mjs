// The ESM build of this workspace's @anthropic-ai/sdk, for test/fixtures/llm/app.mjs.
export { default } from '@anthropic-ai/sdk';
