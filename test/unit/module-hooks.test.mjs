// Which package a hooked module name belongs to: the check for packages loaded before the agent names the package,
// scoped ones included, never the bare scope. node --import tsx --test test/unit/module-hooks.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packageOf } from '../../agent/module-hooks.ts';

test('package of a hooked name', () => {
  assert.equal(packageOf('express'), 'express');
  assert.equal(packageOf('express/lib/router/layer'), 'express');
  assert.equal(packageOf('@nestjs/core'), '@nestjs/core');
  assert.equal(packageOf('@nestjs/core/router/router-execution-context'), '@nestjs/core');
  assert.equal(packageOf('@hapi/hapi/lib/route'), '@hapi/hapi');
  assert.equal(packageOf('@scope'), '@scope');
});
