// The ESM build of this workspace's openai, for test/fixtures/llm/app.mjs.
export { default } from 'openai';
