import { appendFieldPath, FieldPath } from '../../src/validate/field-path';

describe('FieldPath', () => {
  test('the root formats as the empty string', () => {
    expect(FieldPath.ROOT.toString()).toBe('');
  });

  test('properties are dotted, indexes and keys bracketed', () => {
    expect(FieldPath.ROOT.child('spec').child('rules').index(0).key('a.b').toString()).toBe('spec.rules[0][a.b]');
  });
});

describe('appendFieldPath', () => {
  test('appends dotted, quoted and indexed segments', () => {
    expect(appendFieldPath(FieldPath.ROOT.child('spec'), ".rules[1]['x.y'].name").toString()).toBe('spec.rules[1][x.y].name');
  });

  test('a path it cannot parse leaves the base path', () => {
    expect(appendFieldPath(FieldPath.ROOT.child('spec'), '.a[').toString()).toBe('spec');
  });
});
