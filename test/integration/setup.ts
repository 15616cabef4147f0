import { inject } from 'vitest';
import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker lifecycle lines at INFO drown test output; warnings and errors still show.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// the stack globalSetup chose (the fault tests' own): loadStackConfig() here and in spawned workers reads it
process.env.DREAMGATE_STACK_CONFIG = inject('stackConfigFile');
Runtime.install({ logger: new DefaultLogger('WARN') });
