/**
 * Who made a measurement report and when (sr-origin.ts), as the viewer labels marks from other systems: the TID 1002
 * observer context first, then the Author Observer Sequence, then the Verifying Observer; the institution; the
 * content date as an ISO calendar date; this platform's own exports told apart by Manufacturer. On the corpus's
 * Comprehensive SR (pydicom's test-SR.dcm, ISO_IR 100) and on reports written here with each variant.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataSet } from './dicom';
import { part10, type Item } from './dicomwriter';
import { SR_MANUFACTURER } from './sr-document';
import { personName, srOrigin } from './sr-origin';
import { CORPUS } from './testkit';

const SR = '1.2.840.10008.5.1.4.1.1.88.33';
const report = (attrs: Item) =>
  srOrigin(
    parseDataSet(
      part10(
        {
          '00080005': ['CS', 'ISO_IR 192'],
          '00080016': ['UI', SR],
          '00080018': ['UI', '1.2.3.4'],
          '00080060': ['CS', 'SR'],
          '0040A040': ['CS', 'CONTAINER'],
          ...attrs,
        },
        SR,
        '1.2.3.4',
      ),
    ),
  );
const observerContext = (name: string): Item => ({
  '0040A010': ['CS', 'HAS OBS CONTEXT'],
  '0040A040': ['CS', 'PNAME'],
  '0040A043': [
    'SQ',
    [{ '00080100': ['SH', '121008'], '00080102': ['SH', 'DCM'], '00080104': ['LO', 'Person Observer Name'] }],
  ],
  '0040A123': ['PN', name],
});

describe('the origin of a measurement report', () => {
  it("reads the corpus's Comprehensive SR: its verifying observer and content date", () => {
    const file = fs.readFileSync(path.join(CORPUS, 'deb-pydicom/test_files/test-SR.dcm'));
    expect(srOrigin(parseDataSet(file))).toEqual({
      author: 'Riesmeier Jörg',
      institution: null,
      date: '2001-02-13',
      ownExport: false,
    });
  });

  it('prefers the observer context, then the Author Observer, then the Verifying Observer', () => {
    const author: Item = {
      '0040A078': [
        'SQ',
        [
          {
            '0040A084': ['CS', 'PSN'],
            '0040A123': ['PN', 'Zhang^Wei'],
            '00080080': ['LO', 'Wanquan County Hospital'],
          },
        ],
      ],
    };
    const verifier: Item = { '0040A073': ['SQ', [{ '0040A075': ['PN', 'Li^Na'] }]] };
    expect(
      report({
        ...author,
        ...verifier,
        '00080023': ['DA', '20240101'],
        '0040A730': ['SQ', [observerContext('王^芳=Wang^Fang')]],
      }),
    ).toEqual({
      author: '王 芳',
      institution: 'Wanquan County Hospital',
      date: '2024-01-01',
      ownExport: false,
    });
    expect(report({ ...author, ...verifier }).author).toBe('Zhang Wei');
    expect(report(verifier)).toEqual({ author: 'Li Na', institution: null, date: null, ownExport: false });
    expect(report({ '00080080': ['LO', 'Anzhen'], '00080012': ['DA', '20231231'] })).toEqual({
      author: null,
      institution: 'Anzhen',
      date: '2023-12-31',
      ownExport: false,
    });
  });

  it("knows this platform's own exports and drops a malformed date", () => {
    expect(report({ '00080070': ['LO', SR_MANUFACTURER] }).ownExport).toBe(true);
    expect(report({ '00080070': ['LO', 'Other PACS'] }).ownExport).toBe(false);
    expect(report({ '00080023': ['DA', '20240231'] }).date).toBeNull();
    expect(report({ '00080023': ['DA', '2024'] }).date).toBeNull();
  });

  it('writes person names for display', () => {
    expect(personName('Zhang^Wei')).toBe('Zhang Wei');
    expect(personName('^^^^')).toBeNull();
    expect(personName('=王^芳')).toBe('王 芳');
    expect(personName('')).toBeNull();
  });
});
