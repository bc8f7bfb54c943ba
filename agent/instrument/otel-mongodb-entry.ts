/**
 * Entry of dist/otel-mongodb.cjs: OpenTelemetry's mongodb instrumentation, bundled apart from the agent so that
 * only an app that loads the mongodb driver loads it (mongodb.ts requires this file then).
 */
export { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
