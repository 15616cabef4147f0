#!/usr/bin/env node
'use strict';
// dreamgate pins its AWS SDK in the lockfile and supports Node 20.19+; the SDK's notice about its own future releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('../dist/app/cli.js').main();
