#!/usr/bin/env node
// Validates Strata message samples against the JSON Schemas in schemas/.
//
//   node validate.mjs [--expect-invalid] SCHEMA_DIR SAMPLES_DIR
//
// SAMPLES_DIR holds files named <type>.<anything>.json (e.g. event.push.minimal.json); each is
// validated against SCHEMA_DIR/<type>.schema.json (the longest <type> with a schema wins, since
// types contain dots). Every *.schema.json of SCHEMA_DIR is loaded first so $refs resolve.
// Prints one line per file and a last line "N passed, M failed"; exits 1 when anything failed or
// no sample was found, 2 on usage errors.
//
// --expect-invalid: a file passes only when the schema rejects it (negative samples). A file that
// is not JSON or has no matching schema fails in both modes: it tests nothing.
import fs from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

function usage(message) {
  if (message) console.error(`validate.mjs: ${message}`);
  console.error("usage: node validate.mjs [--expect-invalid] SCHEMA_DIR SAMPLES_DIR");
  process.exit(2);
}

const args = process.argv.slice(2);
let expectInvalid = false;
const positional = [];
for (const arg of args) {
  if (arg === "--expect-invalid") expectInvalid = true;
  else if (arg === "-h" || arg === "--help") usage();
  else if (arg.startsWith("-")) usage(`unknown option ${arg}`);
  else positional.push(arg);
}
if (positional.length !== 2) usage("expected SCHEMA_DIR and SAMPLES_DIR");
const [schemaDir, samplesDir] = positional;

function isDir(p) {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
if (!isDir(schemaDir)) usage(`not a directory: ${schemaDir}`);
if (!isDir(samplesDir)) usage(`not a directory: ${samplesDir}`);

// ---- load every schema ---------------------------------------------------------------------
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);

const schemaIds = new Map(); // type ("event.push") -> $id
for (const name of fs.readdirSync(schemaDir).sort()) {
  if (!name.endsWith(".schema.json")) continue;
  const file = path.join(schemaDir, name);
  let schema;
  try {
    schema = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    console.error(`validate.mjs: cannot read schema ${file}: ${e.message}`);
    process.exit(2);
  }
  const id = schema.$id ?? name;
  try {
    ajv.addSchema(schema, id);
  } catch (e) {
    console.error(`validate.mjs: bad schema ${file}: ${e.message}`);
    process.exit(2);
  }
  // Files of only $defs (common.schema.json) are libraries for $ref, not message types.
  if ("type" in schema || "$ref" in schema) schemaIds.set(name.slice(0, -".schema.json".length), id);
}
if (schemaIds.size === 0) usage(`no message *.schema.json in ${schemaDir}`);

// Compile everything up front so a broken $ref is reported as such, not as a failing sample.
const validators = new Map();
for (const [type, id] of schemaIds) {
  try {
    validators.set(type, ajv.getSchema(id));
  } catch (e) {
    console.error(`validate.mjs: cannot compile schema ${type}: ${e.message}`);
    process.exit(2);
  }
}

function typeOf(fileName) {
  let best = null;
  for (const type of validators.keys()) {
    if (fileName.startsWith(`${type}.`) && fileName.length > type.length + ".json".length &&
        (best === null || type.length > best.length)) {
      best = type;
    }
  }
  return best;
}

function describe(errors) {
  return (errors ?? [])
    .map((e) => {
      const where = e.instancePath || "/";
      const extra =
        e.keyword === "additionalProperties" ? ` (${e.params.additionalProperty})`
        : e.keyword === "enum" ? ` (${e.params.allowedValues.join("|")})`
        : e.keyword === "const" ? ` (${JSON.stringify(e.params.allowedValue)})`
        : "";
      return `${where} ${e.message}${extra}`;
    })
    .join("; ");
}

// ---- validate the samples ------------------------------------------------------------------
const files = fs.readdirSync(samplesDir).filter((n) => n.endsWith(".json")).sort();
let passed = 0;
let failed = 0;
const pass = (line) => { passed++; console.log(`PASS ${line}`); };
const fail = (line) => { failed++; console.log(`FAIL ${line}`); };

for (const name of files) {
  const file = path.join(samplesDir, name);
  const type = typeOf(name);
  if (type === null) {
    fail(`${file}: no schema matches (expected <type>.<anything>.json with <type> one of ${[...validators.keys()].join(", ")})`);
    continue;
  }
  let data;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    fail(`${file}: not JSON: ${e.message}`);
    continue;
  }
  const validate = validators.get(type);
  const ok = validate(data);
  if (!expectInvalid) {
    if (ok) pass(`${file} [${type}]`);
    else fail(`${file} [${type}]: ${describe(validate.errors)}`);
  } else {
    if (ok) fail(`${file} [${type}]: valid, but expected to be rejected`);
    else pass(`${file} [${type}]: rejected as expected: ${describe(validate.errors)}`);
  }
}

if (files.length === 0) console.log(`no *.json samples found in ${samplesDir}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
