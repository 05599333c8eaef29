/**
 * A focused FHIR R4 structural validator for the resources this platform exports (not a general one): per
 * resource type, the allowed elements with cardinality and datatype, the required-binding value sets, coding
 * systems as absolute URIs, R4 primitive formats, and references that must resolve inside the Bundle to an
 * allowed target type. Returns human-readable issues (empty = valid).
 */

type Kind =
  | 'string'
  | 'code'
  | 'uri'
  | 'id'
  | 'date'
  | 'dateTime'
  | 'instant'
  | 'boolean'
  | 'unsignedInt'
  | 'Identifier'
  | 'HumanName'
  | 'Address'
  | 'CodeableConcept'
  | 'Coding'
  | 'Reference'
  | 'Annotation';

interface El {
  kind: Kind;
  min?: 0 | 1;
  many?: boolean;
  /** Required binding: the code must be one of these. */
  codes?: readonly string[];
  /** Allowed reference targets. */
  targets?: readonly string[];
}

const PRIM: Record<string, RegExp> = {
  id: /^[A-Za-z0-9\-.]{1,64}$/,
  code: /^[^\s]+(\s[^\s]+)*$/,
  uri: /^\S+$/,
  date: /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$/,
  dateTime:
    /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/,
  instant:
    /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/,
};

const DOMAIN_RESOURCE = { id: { kind: 'id' }, meta: { kind: 'string' }, text: { kind: 'string' } } as const;

export const R4_RULES: Record<string, Record<string, El>> = {
  Patient: {
    identifier: { kind: 'Identifier', many: true },
    active: { kind: 'boolean' },
    name: { kind: 'HumanName', many: true },
    gender: { kind: 'code', codes: ['male', 'female', 'other', 'unknown'] },
    birthDate: { kind: 'date' },
    address: { kind: 'Address', many: true },
    managingOrganization: { kind: 'Reference', targets: ['Organization'] },
  },
  Practitioner: {
    identifier: { kind: 'Identifier', many: true },
    active: { kind: 'boolean' },
    name: { kind: 'HumanName', many: true },
  },
  Organization: {
    identifier: { kind: 'Identifier', many: true },
    active: { kind: 'boolean' },
    name: { kind: 'string' },
    alias: { kind: 'string', many: true },
    address: { kind: 'Address', many: true },
    partOf: { kind: 'Reference', targets: ['Organization'] },
  },
  ServiceRequest: {
    identifier: { kind: 'Identifier', many: true },
    status: {
      kind: 'code',
      min: 1,
      codes: ['draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown'],
    },
    intent: {
      kind: 'code',
      min: 1,
      codes: [
        'proposal',
        'plan',
        'directive',
        'order',
        'original-order',
        'reflex-order',
        'filler-order',
        'instance-order',
        'option',
      ],
    },
    priority: { kind: 'code', codes: ['routine', 'urgent', 'asap', 'stat'] },
    code: { kind: 'CodeableConcept' },
    subject: { kind: 'Reference', min: 1, targets: ['Patient', 'Group', 'Location', 'Device'] },
    authoredOn: { kind: 'dateTime' },
    requester: {
      kind: 'Reference',
      targets: ['Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'RelatedPerson', 'Device'],
    },
    performer: {
      kind: 'Reference',
      many: true,
      targets: [
        'Practitioner',
        'PractitionerRole',
        'Organization',
        'CareTeam',
        'HealthcareService',
        'Patient',
        'Device',
        'RelatedPerson',
      ],
    },
    reasonCode: { kind: 'CodeableConcept', many: true },
    note: { kind: 'Annotation', many: true },
  },
  ImagingStudy: {
    identifier: { kind: 'Identifier', many: true },
    status: {
      kind: 'code',
      min: 1,
      codes: ['registered', 'available', 'cancelled', 'entered-in-error', 'unknown'],
    },
    modality: { kind: 'Coding', many: true },
    subject: { kind: 'Reference', min: 1, targets: ['Patient', 'Device', 'Group'] },
    started: { kind: 'dateTime' },
    basedOn: {
      kind: 'Reference',
      many: true,
      targets: ['CarePlan', 'ServiceRequest', 'Appointment', 'AppointmentResponse', 'Task'],
    },
    numberOfSeries: { kind: 'unsignedInt' },
    numberOfInstances: { kind: 'unsignedInt' },
    description: { kind: 'string' },
  },
  DiagnosticReport: {
    identifier: { kind: 'Identifier', many: true },
    basedOn: {
      kind: 'Reference',
      many: true,
      targets: [
        'CarePlan',
        'ImmunizationRecommendation',
        'MedicationRequest',
        'NutritionOrder',
        'ServiceRequest',
      ],
    },
    status: {
      kind: 'code',
      min: 1,
      codes: [
        'registered',
        'partial',
        'preliminary',
        'final',
        'amended',
        'corrected',
        'appended',
        'cancelled',
        'entered-in-error',
        'unknown',
      ],
    },
    category: { kind: 'CodeableConcept', many: true },
    code: { kind: 'CodeableConcept', min: 1 },
    subject: { kind: 'Reference', targets: ['Patient', 'Group', 'Device', 'Location'] },
    effectiveDateTime: { kind: 'dateTime' },
    issued: { kind: 'instant' },
    performer: {
      kind: 'Reference',
      many: true,
      targets: ['Practitioner', 'PractitionerRole', 'Organization', 'CareTeam'],
    },
    resultsInterpreter: {
      kind: 'Reference',
      many: true,
      targets: ['Practitioner', 'PractitionerRole', 'Organization', 'CareTeam'],
    },
    imagingStudy: { kind: 'Reference', many: true, targets: ['ImagingStudy'] },
    conclusion: { kind: 'string' },
    conclusionCode: { kind: 'CodeableConcept', many: true },
  },
};

/** Code systems whose codes we can check by shape. */
const CODE_SHAPES: Record<string, RegExp> = {
  'http://hl7.org/fhir/sid/icd-10': /^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$/,
  'http://loinc.org': /^[0-9]{1,7}-[0-9]$/,
  'http://snomed.info/sct': /^[0-9]{6,18}$/,
};

const BUNDLE_TYPES = [
  'document',
  'message',
  'transaction',
  'transaction-response',
  'batch',
  'batch-response',
  'history',
  'searchset',
  'collection',
];

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateR4Bundle(bundle: unknown): string[] {
  const issues: string[] = [];
  const err = (path: string, msg: string) => issues.push(`${path}: ${msg}`);
  if (!isObj(bundle) || bundle.resourceType !== 'Bundle') return ['Bundle: resourceType must be "Bundle"'];
  if (typeof bundle.type !== 'string' || !BUNDLE_TYPES.includes(bundle.type))
    err('Bundle.type', 'required, from http://hl7.org/fhir/bundle-type');
  if (
    bundle.timestamp !== undefined &&
    (typeof bundle.timestamp !== 'string' || !PRIM.instant!.test(bundle.timestamp))
  )
    err('Bundle.timestamp', 'not an instant');
  if (!Array.isArray(bundle.entry) || bundle.entry.length === 0)
    return [...issues, 'Bundle.entry: expected entries'];

  const byUrl = new Map<string, string>();
  const refs: { path: string; ref: string; targets: readonly string[] }[] = [];
  bundle.entry.forEach((e, i) => {
    const path = `Bundle.entry[${i}]`;
    if (!isObj(e)) return err(path, 'not an object');
    const res = e.resource;
    if (!isObj(res) || typeof res.resourceType !== 'string')
      return err(`${path}.resource`, 'missing resource');
    const type = res.resourceType;
    if (typeof e.fullUrl === 'string') {
      if (
        !/^(urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|https?:\/\/\S+)$/.test(
          e.fullUrl,
        )
      )
        err(`${path}.fullUrl`, 'not a uuid URN or absolute URL');
      if (byUrl.has(e.fullUrl)) err(`${path}.fullUrl`, `duplicate ${e.fullUrl}`);
      byUrl.set(e.fullUrl, type);
    } else err(`${path}.fullUrl`, 'required in a collection bundle here');
    const rules = R4_RULES[type];
    if (!rules) return err(`${path}.resource`, `resource type ${type} is not one this validator knows`);
    const all: Record<string, El> = { ...(DOMAIN_RESOURCE as Record<string, El>), ...rules };
    for (const key of Object.keys(res)) {
      if (key === 'resourceType') continue;
      if (!all[key]) err(`${type}.${key}`, 'unknown element');
    }
    if (type === 'Organization' && res.identifier === undefined && res.name === undefined)
      err(type, 'org-1: needs identifier or name');
    for (const [name, el] of Object.entries(all)) {
      const v = res[name];
      const p = `${type}.${name}`;
      if (v === undefined || v === null) {
        if (el.min === 1) err(p, 'required element missing (min 1)');
        continue;
      }
      if (el.many && !Array.isArray(v)) {
        err(p, 'must be an array (max *)');
        continue;
      }
      if (!el.many && Array.isArray(v)) {
        err(p, 'must be a single value (max 1)');
        continue;
      }
      const values = Array.isArray(v) ? v : [v];
      if (el.min === 1 && values.length === 0) err(p, 'required element empty');
      values.forEach((x, j) => checkValue(`${p}${el.many ? `[${j}]` : ''}`, x, el, err, refs));
    }
  });
  for (const r of refs) {
    const t = byUrl.get(r.ref);
    if (!t) err(r.path, `reference ${r.ref} does not resolve inside the bundle`);
    else if (!r.targets.includes(t)) err(r.path, `reference to ${t}; allowed ${r.targets.join('|')}`);
  }
  return issues;
}

type Err = (path: string, msg: string) => void;

function checkCoding(path: string, c: unknown, err: Err): void {
  if (!isObj(c)) return err(path, 'Coding must be an object');
  if (typeof c.system !== 'string' || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(c.system))
    err(`${path}.system`, 'must be an absolute URI');
  if (typeof c.code !== 'string' || !PRIM.code!.test(c.code)) err(`${path}.code`, 'must be a code');
  const shape = typeof c.system === 'string' ? CODE_SHAPES[c.system] : undefined;
  if (shape && typeof c.code === 'string' && !shape.test(c.code))
    err(`${path}.code`, `"${c.code}" is not a valid code of ${String(c.system)}`);
  if (c.display !== undefined && typeof c.display !== 'string') err(`${path}.display`, 'must be a string');
}

function checkValue(
  path: string,
  v: unknown,
  el: El,
  err: Err,
  refs: { path: string; ref: string; targets: readonly string[] }[],
): void {
  switch (el.kind) {
    case 'string':
      if (typeof v !== 'string' || v.trim() === '') err(path, 'must be a non-empty string');
      return;
    case 'boolean':
      if (typeof v !== 'boolean') err(path, 'must be a boolean');
      return;
    case 'unsignedInt':
      if (!Number.isInteger(v) || (v as number) < 0) err(path, 'must be an unsignedInt');
      return;
    case 'code':
    case 'uri':
    case 'id':
    case 'date':
    case 'dateTime':
    case 'instant':
      if (typeof v !== 'string' || !PRIM[el.kind]!.test(v))
        return err(path, `not a valid ${el.kind}: ${JSON.stringify(v)}`);
      if (el.codes && !el.codes.includes(v))
        err(path, `"${v}" is not in the required value set (${el.codes.join('|')})`);
      return;
    case 'Coding':
      return checkCoding(path, v, err);
    case 'CodeableConcept':
      if (!isObj(v)) return err(path, 'must be a CodeableConcept');
      if (v.coding === undefined && v.text === undefined) err(path, 'CodeableConcept needs coding or text');
      if (v.coding !== undefined) {
        if (!Array.isArray(v.coding)) return err(`${path}.coding`, 'must be an array');
        v.coding.forEach((c, i) => checkCoding(`${path}.coding[${i}]`, c, err));
      }
      if (v.text !== undefined && typeof v.text !== 'string') err(`${path}.text`, 'must be a string');
      return;
    case 'Identifier':
      if (!isObj(v)) return err(path, 'must be an Identifier');
      if (
        v.system !== undefined &&
        (typeof v.system !== 'string' || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(v.system))
      )
        err(`${path}.system`, 'must be an absolute URI');
      if (typeof v.value !== 'string' || !v.value) err(`${path}.value`, 'must be a non-empty string');
      return;
    case 'HumanName':
      if (!isObj(v) || (v.text === undefined && v.family === undefined && v.given === undefined))
        err(path, 'HumanName needs text, family or given');
      return;
    case 'Address':
    case 'Annotation':
      if (!isObj(v) || typeof v.text !== 'string') err(path, `${el.kind} needs text`);
      return;
    case 'Reference':
      if (!isObj(v) || typeof v.reference !== 'string') return err(path, 'Reference needs a reference');
      refs.push({ path, ref: v.reference, targets: el.targets ?? [] });
      return;
  }
}
