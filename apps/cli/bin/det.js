#!/usr/bin/env node
// Thin shim so npm can link the `det` bin before the first build; the CLI lives in dist/.
require('../dist/main.js');
