import { describe, expect, it } from 'vitest';
import { allMessages, translate } from './i18n';

// Every feature registers its strings from its messages.ts; load them all.
const modules = import.meta.glob(['../features/*/messages.ts', '../features/*/*.messages.ts'], {
  eager: true,
});

describe('translations', () => {
  it('loads every feature dictionary', () => {
    expect(Object.keys(modules).length).toBeGreaterThanOrEqual(1);
  });
  it('has every string in both zh-CN and English', () => {
    const { 'zh-CN': zh, en } = allMessages();
    const missingEn = Object.keys(zh).filter((k) => !(k in en));
    const missingZh = Object.keys(en).filter((k) => !(k in zh));
    expect(missingEn).toEqual([]);
    expect(missingZh).toEqual([]);
    for (const [k, v] of Object.entries(zh)) expect(v.trim(), k).not.toBe('');
  });
  it('uses the same placeholders in both languages', () => {
    const { 'zh-CN': zh, en } = allMessages();
    const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const k of Object.keys(zh)) if (en[k]) expect(vars(zh[k]!), k).toEqual(vars(en[k]!));
  });
  it('fills placeholders and falls back to English, then the key', () => {
    expect(translate('zh-CN', 'home.welcome', { name: '张伟' })).toBe('欢迎，张伟');
    expect(translate('en', 'home.welcome', { name: 'Zhang Wei' })).toBe('Welcome, Zhang Wei');
    expect(translate('en', 'no.such.key')).toBe('no.such.key');
  });
});
