// Writes the unit words of this Node's ICU data (src/dream/measures.ts) to dist/unit-words.json: a worker reads
// them instead of generating them on its first dream; a runtime of other ICU data generates its own.
'use strict';
const { writeFileSync } = require('node:fs');
const { generateUnitWords, unitWordsFile } = require('../dist/src/dream/measures.js');

writeFileSync(unitWordsFile, `${JSON.stringify(generateUnitWords())}\n`);
