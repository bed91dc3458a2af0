// Drives an org's Metadata API with jsforce, a client this project did not write: describeMetadata, updateMetadata
// (a missing and an existing SamlSsoConfig), readMetadata and retrieve polled to completion with checkRetrieveStatus.
// Usage: node metadata_client.js INSTANCE_URL ACCESS_TOKEN CERTIFICATE_BASE64; prints the answers as one JSON object.
//
// jsforce.min.js is jsforce's own browser bundle (npm jsforce 3.10.26, dist/jsforce.min.js, MIT, see LICENSE): it
// has no dependencies, so it is vendored as one file. It expects a browser; the few globals it touches at load time
// are stubbed, and it talks HTTP through Node's fetch (Node 18 or later). To update it: `npm pack jsforce@<version>`
// and copy package/dist/jsforce.min.js and package/LICENSE here (3.10.26: sha256 4b242118…9e814a91).
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const storage = {};
globalThis.window = globalThis;
globalThis.document = { cookie: '' };
globalThis.localStorage = {
  getItem: (k) => (k in storage ? storage[k] : null),
  setItem: (k, v) => { storage[k] = String(v); },
  removeItem: (k) => { delete storage[k]; },
};
// The bundle declares a top-level var jsforce; run as a script it lands on the global object.
vm.runInThisContext(fs.readFileSync(path.join(__dirname, 'jsforce.min.js'), 'utf8'), { filename: 'jsforce.min.js' });
const jsforce = globalThis.jsforce;

const [instanceUrl, accessToken, cert] = process.argv.slice(2);
const conn = new jsforce.Connection({ instanceUrl, accessToken, version: '63.0' });
conn.metadata.pollInterval = 20;
conn.metadata.pollTimeout = 10000;

const config = (fullName, issuer) => ({
  fullName, name: fullName, issuer, samlEntityId: 'https://acme.my.salesforce.com', validationCert: cert,
  identityMapping: 'FederationId', identityLocation: 'SubjectNameId', samlVersion: 'SAML2_0', userProvisioning: true,
});

(async () => {
  const out = {};
  out.describe = await conn.metadata.describe('63.0');
  out.updateMissing = await conn.metadata.update('SamlSsoConfig', [config('Nope', 'http://www.okta.com/none')]);
  out.updateExisting = await conn.metadata.update('SamlSsoConfig', [config('Okta', 'http://www.okta.com/jsforce')]);
  out.read = await conn.metadata.read('SamlSsoConfig', 'Okta');
  out.retrieve = await conn.metadata.retrieve({
    apiVersion: '63.0',
    singlePackage: true,
    unpackaged: { types: [{ name: 'SamlSsoConfig', members: ['Okta'] }, { name: 'Profile', members: ['Sales Rep'] }], version: '63.0' },
  }).complete();
  process.stdout.write(JSON.stringify(out));
})().catch((err) => {
  process.stderr.write(`${err.name}: ${err.message}\n`);
  process.exit(1);
});
