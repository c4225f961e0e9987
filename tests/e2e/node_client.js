// An independent client for end-to-end tests: Node's @grpc/grpc-js (from the npm registry) calling
// a gateway over mutual TLS with stubs loaded from the canonical .proto files.
//
//   node node_client.js MODULES_DIR PROTO_DIR GATEWAY CERT KEY CA TARGET [AGREEMENT] [PURPOSE]
//
// Prints one JSON object (status, message, family names, exchange id); exits 0 on OK, 1 otherwise.
'use strict';
const fs = require('fs');
const path = require('path');

const [modules, protoDir, gateway, cert, key, ca, target, agreement = 'test-identity',
       purpose = 'border-control'] = process.argv.slice(2);
const grpc = require(path.join(modules, '@grpc/grpc-js'));
const loader = require(path.join(modules, '@grpc/proto-loader'));

const definition = loader.loadSync('pasarela/identity/v1/identity.proto', {
  includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: false,
});
const identity = grpc.loadPackageDefinition(definition).pasarela.identity.v1;
const credentials = grpc.credentials.createSsl(
    fs.readFileSync(ca), fs.readFileSync(key), fs.readFileSync(cert));
const client = new identity.IdentityService(gateway, credentials);
const metadata = new grpc.Metadata();
metadata.set('x-pasarela-target', target);
metadata.set('x-pasarela-agreement', agreement);
metadata.set('x-pasarela-purpose', purpose);
let exchangeId = '';
const call = client.GetPerson(
    {identifier: {issuing_country: 'CL', scheme: 'CL-RUN', value: '12531909-2'}}, metadata,
    {deadline: Date.now() + 10000}, (error, response) => {
      if (error) {
        console.log(JSON.stringify({status: grpc.status[error.code], message: error.details}));
        process.exit(1);
      }
      console.log(JSON.stringify({
        status: 'OK',
        family_names: response.person.family_names,
        birth_date: response.person.birth_date,
        exchange_id: exchangeId,
      }));
      process.exit(0);
    });
call.on('metadata', (headers) => {
  const values = headers.get('x-pasarela-exchange-id');
  if (values.length > 0) exchangeId = String(values[0]);
});
