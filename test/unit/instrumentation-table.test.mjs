// The instrumentation table is data: check it the way the installer and the configuration read it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import validRange from 'semver/ranges/valid.js';
import { INSTRUMENTATIONS } from '../../agent/instrument/table.ts';
import { INSTRUMENTATION_NAMES } from '../../agent/instrument/names.ts';

test('every row and alias is a name the configuration accepts, and no name is unused', () => {
  const fromTable = INSTRUMENTATIONS.flatMap((row) => [row.name, ...(row.aliases ?? [])]);
  assert.deepEqual([...fromTable].sort(), [...INSTRUMENTATION_NAMES].sort());
  assert.equal(new Set(fromTable).size, fromTable.length, 'names are unique');
});

test('every module target has a valid version range and a patch; rows say whether they are on by default', () => {
  for (const row of INSTRUMENTATIONS) {
    assert.equal(typeof row.enabledByDefault, 'boolean', row.name);
    assert.equal(typeof row.create, 'function', row.name);
    for (const target of row.modules) {
      assert.ok(validRange(target.versions), `${row.name}: ${target.module} ${target.versions}`);
      assert.equal(typeof target.patch, 'function');
      assert.doesNotMatch(target.file ?? '', /\.js$|\/index$/, 'files are named as require-in-the-middle names them');
    }
  }
});
