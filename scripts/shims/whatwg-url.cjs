// Stands in for the whatwg-url package in the bundles. node-fetch (inside @kubernetes/client-node) only falls back
// to it where Node has no URL class, which never happens on Node 20; bundling the real package would add its
// 300 KB Unicode table to the plugin's start-up for nothing.
'use strict';
module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };
