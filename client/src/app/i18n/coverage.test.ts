import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '@consult/shared';
import { allMessages } from '../i18n';
import { localizedError } from '../api';

/**
 * Nothing a zh-CN user sees may be a raw key or an English server sentence: every error code has both languages,
 * every key the client source names exists in both dictionaries, and every audit action the server writes has
 * a label. The source is scanned, so a new `t('x.y')`, error code or audit action without strings fails here.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const clientSrc = path.resolve(here, '../..');
const serverSrc = path.resolve(clientSrc, '../../server/src');

// Every dictionary registers itself on import.
const modules = import.meta.glob(
  ['../../features/*/messages.ts', '../../features/*/*.messages.ts', '../../features/admin/auditLabels.ts'],
  {
    eager: true,
  },
);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, out);
    else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$|test-helper/.test(e.name)) out.push(p);
  }
  return out;
}

const CJK = /[\u4e00-\u9fff]/;

describe('zh-CN everywhere', () => {
  const { 'zh-CN': zh, en } = allMessages();

  it('loads every dictionary', () => {
    expect(Object.keys(modules).length).toBeGreaterThanOrEqual(10);
  });

  it('has a zh-CN and an English message for every server error code', () => {
    for (const code of Object.keys(ERROR_STATUS)) {
      expect(zh[`error.${code}`], code).toMatch(CJK);
      expect(en[`error.${code}`], code).toBeTruthy();
      expect(en[`error.${code}`], code).not.toMatch(CJK);
    }
  });

  it('shows a translated message for every error body, never the English server sentence', () => {
    const fields = [undefined, '/body/nationalId', '/body/password', '/body/name', '/body/unknownThing'];
    for (const code of Object.keys(ERROR_STATUS) as (keyof typeof ERROR_STATUS)[])
      for (const field of fields)
        for (const context of [undefined, 'login']) {
          const body = {
            code,
            message: 'patient not found in English',
            field,
            statusCode: ERROR_STATUS[code],
          };
          const text = localizedError('zh-CN', ERROR_STATUS[code], body, context);
          expect(text, `${code} ${field} ${context}`).toMatch(CJK);
          expect(text).not.toContain('English');
          expect(text).not.toMatch(/error\.|field\./);
        }
    // No body at all (a proxy page, a network failure) still reads as a sentence.
    expect(localizedError('zh-CN', 502, {})).toMatch(CJK);
    expect(localizedError('zh-CN', 0, {})).toBe(zh['error.network']);
    // The login form's wrong password and the signing dialog's wrong password are named as such.
    expect(localizedError('zh-CN', 401, { code: 'unauthenticated' }, 'login')).toBe('用户名或密码错误');
    expect(localizedError('zh-CN', 400, { code: 'validation', field: '/body/password' }, 'sign')).toBe(
      '密码不正确',
    );
    // A new password that breaks the rules is named as such, not as a wrong password.
    expect(localizedError('zh-CN', 400, { code: 'validation', field: '/body/password' })).toMatch(
      /^密码不符合要求/,
    );
    // An administrator revoking a signing key twice, or one outside their reach, is told so.
    expect(localizedError('zh-CN', 409, { code: 'conflict' }, 'signerRevoke')).toBe('该签名密钥已被吊销');
    expect(localizedError('zh-CN', 404, { code: 'not_found' }, 'signerRevoke')).toMatch(/不属于您管理的用户/);
    // English readers also get the server's detail.
    expect(localizedError('en', 404, { code: 'not_found', message: 'patient not found' })).toContain(
      'patient not found',
    );
  });

  it('defines every key the client source uses, in both languages', () => {
    const missing: string[] = [];
    const prefixes: string[] = [];
    for (const file of sourceFiles(clientSrc)) {
      const src = fs.readFileSync(file, 'utf8');
      const rel = path.relative(clientSrc, file);
      for (const m of src.matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) {
        if (!(m[1]! in zh) || !(m[1]! in en)) missing.push(`${rel}: ${m[1]}`);
      }
      for (const m of src.matchAll(/\b(?:labelKey|titleKey|messageKey)\s*[:=]\s*'([a-zA-Z0-9_.-]+)'/g)) {
        if (!(m[1]! in zh) || !(m[1]! in en)) missing.push(`${rel}: ${m[1]}`);
      }
      // t(`patients.sex.${s}`): at least the prefix must be a family of keys.
      for (const m of src.matchAll(/\bt\(\s*`([a-zA-Z0-9_.-]+\.)\$\{/g)) prefixes.push(`${rel}: ${m[1]}`);
    }
    expect(missing).toEqual([]);
    for (const p of prefixes) {
      const prefix = p.split(': ')[1]!;
      expect(
        Object.keys(zh).some((k) => k.startsWith(prefix)),
        p,
      ).toBe(true);
    }
  });

  it('labels every audit action the server writes', () => {
    const actions = new Set<string>();
    for (const file of sourceFiles(serverSrc)) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/\baction: '([a-z_.]+)'/g)) actions.add(m[1]!);
    }
    expect(actions.size).toBeGreaterThan(30);
    const unlabelled = [...actions].filter((a) => !zh[`audit.action.${a}`] || !en[`audit.action.${a}`]);
    expect(unlabelled).toEqual([]);
  });
});
