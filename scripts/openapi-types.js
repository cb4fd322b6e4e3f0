#!/usr/bin/env node
// Writes apps/web/src/api/openapi.gen.ts, the TypeScript shapes of docs/openapi.json's
// components.schemas, for the web client. Our own few lines rather than openapi-typescript: that
// package declares a TypeScript ^5 peer and we are on 6 (npm ls must stay clean), and the schemas
// Nest's Swagger module writes use a small part of OpenAPI 3.0 (objects, arrays, enums, nullable,
// $ref, allOf/oneOf, additionalProperties). The output is already formatted the way prettier
// (.prettierrc) formats it, so `prettier --check` passes and the drift test
// (test/web-openapi-types.e2e-spec.ts) compares bytes.
//
// Usage: node scripts/openapi-types.js [--check | --stdout] [openapi.json]   (`npm run openapi` runs
// it after the api's document is regenerated; --check exits 1 when the committed file differs,
// --stdout prints instead of writing)
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const SOURCE = path.join(root, 'docs/openapi.json');
const TARGET = path.join(root, 'apps/web/src/api/openapi.gen.ts');
const PRINT_WIDTH = 100;
const INDENT = '  ';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function quote(value) {
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function refName(ref) {
  const prefix = '#/components/schemas/';
  if (!ref.startsWith(prefix)) throw new Error(`unsupported $ref ${ref}`);
  return ref.slice(prefix.length);
}

/**
 * A type as a list of union members (each a string that may itself span lines, for object
 * literals), so the caller can lay the union out on one line or one member a line as prettier does.
 */
function members(schema, depth) {
  const base = baseMembers(schema, depth);
  if (schema.nullable && !base.includes('null')) return [...base, 'null'];
  return base;
}

function baseMembers(schema, depth) {
  if (schema.$ref) return [refName(schema.$ref)];
  if (schema.enum) {
    return schema.enum.map((value) => (typeof value === 'string' ? quote(value) : String(value)));
  }
  if (schema.allOf) {
    const parts = schema.allOf.map((part) => single(part, depth, true));
    return [parts.join(' & ')];
  }
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return alternatives.flatMap((part) => members(part, depth));
  switch (schema.type) {
    case 'string':
      return ['string'];
    case 'number':
    case 'integer':
      return ['number'];
    case 'boolean':
      return ['boolean'];
    case 'array': {
      const item = members(schema.items ?? {}, depth);
      const inner = item.join(' | ');
      return [item.length > 1 || inner.includes('&') ? `(${inner})[]` : `${inner}[]`];
    }
    case 'object':
    case undefined:
      return [objectType(schema, depth)];
    default:
      throw new Error(`unsupported schema type ${schema.type}`);
  }
}

/** A type on one line (parenthesised when it is a union and `wrap` says it sits in an operator). */
function single(schema, depth, wrap = false) {
  const list = members(schema, depth);
  const joined = list.join(' | ');
  return wrap && list.length > 1 ? `(${joined})` : joined;
}

function objectType(schema, depth) {
  const properties = schema.properties ?? {};
  const extra = schema.additionalProperties;
  const names = Object.keys(properties);
  if (names.length === 0) {
    if (extra === undefined || extra === true || (schema.type === undefined && !extra)) {
      return 'Record<string, unknown>';
    }
    if (extra === false) return 'Record<string, never>';
    const value = single(extra, depth);
    if (!value.includes('\n')) return `Record<string, ${value}>`;
    // prettier's layout for a type argument that spans lines: one argument a line
    const inner = INDENT.repeat(depth + 1);
    return `Record<\n${inner}string,\n${inner}${single(extra, depth + 1)}\n${INDENT.repeat(depth)}>`;
  }
  const lines = propertyLines(schema, depth + 1);
  if (extra === true) lines.push(`${INDENT.repeat(depth + 1)}[key: string]: unknown;`);
  else if (extra && typeof extra === 'object') {
    lines.push(`${INDENT.repeat(depth + 1)}[key: string]: ${single(extra, depth + 1)};`);
  }
  return `{\n${lines.join('\n')}\n${INDENT.repeat(depth)}}`;
}

function comment(description, indent) {
  if (!description) return [];
  const text = description.replace(/\*\//g, '*\\/');
  const lines = text.split('\n');
  if (lines.length === 1) return [`${indent}/** ${text} */`];
  return [`${indent}/**`, ...lines.map((line) => `${indent} * ${line}`.trimEnd()), `${indent} */`];
}

/** `head` followed by a union, broken one member a line when the one-line form is too wide. */
function layoutUnion(head, list, tail, indent) {
  const oneLine = `${head} ${list.join(' | ')}${tail}`;
  const fits = !oneLine.includes('\n') && oneLine.length <= PRINT_WIDTH;
  if (fits || list.length === 1) return oneLine;
  const inner = indent + INDENT;
  return [head, ...list.map((member) => `${inner}| ${member}`)].join('\n') + tail;
}

function propertyLines(schema, depth) {
  const indent = INDENT.repeat(depth);
  const required = new Set(schema.required ?? []);
  const lines = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const key = IDENTIFIER.test(name) ? name : quote(name);
    const optional = required.has(name) ? '' : '?';
    lines.push(...comment(property.description, indent));
    lines.push(layoutUnion(`${indent}${key}${optional}:`, members(property, depth), ';', indent));
  }
  return lines;
}

function declaration(name, schema) {
  const out = comment(schema.description, '');
  const isObject =
    (schema.type === 'object' || schema.type === undefined) &&
    !schema.$ref &&
    !schema.allOf &&
    !schema.oneOf &&
    !schema.anyOf &&
    !schema.enum &&
    schema.properties &&
    !schema.nullable;
  if (isObject) {
    const lines = propertyLines(schema, 1);
    if (schema.additionalProperties === true) lines.push(`${INDENT}[key: string]: unknown;`);
    else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      lines.push(`${INDENT}[key: string]: ${single(schema.additionalProperties, 1)};`);
    }
    out.push(`export interface ${name} {`, ...lines, '}');
  } else {
    out.push(layoutUnion(`export type ${name} =`, members(schema, 0), ';', ''));
  }
  return out.join('\n');
}

function generate(document) {
  const schemas = document.components?.schemas ?? {};
  const header = [
    '// Generated from docs/openapi.json by scripts/openapi-types.js (`npm run openapi`): do not edit.',
    '// A test (test/web-openapi-types.e2e-spec.ts) fails when this file and the document drift.',
  ];
  const blocks = Object.entries(schemas).map(([name, schema]) => declaration(name, schema));
  return `${header.join('\n')}\n\n${blocks.join('\n\n')}\n`;
}

function generateFromFile(source = SOURCE) {
  return generate(JSON.parse(readFileSync(source, 'utf8')));
}

module.exports = { generate, generateFromFile, SOURCE, TARGET };

if (require.main === module) {
  const args = process.argv.slice(2);
  const source = args.find((arg) => !arg.startsWith('--'));
  const generated = generateFromFile(source ? path.resolve(source) : SOURCE);
  if (args.includes('--stdout')) {
    process.stdout.write(generated);
  } else if (args.includes('--check')) {
    if (readFileSync(TARGET, 'utf8') !== generated) {
      console.error(`${path.relative(root, TARGET)} is out of date: run npm run openapi`);
      process.exit(1);
    }
  } else {
    writeFileSync(TARGET, generated);
  }
}
