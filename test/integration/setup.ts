import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker lifecycle lines at INFO drown test output; warnings and errors still show.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
Runtime.install({ logger: new DefaultLogger('WARN') });
