import type { ErrorCode, Locale } from '@consult/shared';

/**
 * The one table of server error messages, keyed by the code every error body carries (shared/src/errors.ts).
 * Typed as a Record over ErrorCode, so a new code without both languages does not compile. The API client
 * (app/api.ts) turns every failed request into one of these, optionally refined by the offending field
 * (`error.validation.password`) or by the request (`error.unauthenticated.login`).
 */
const BY_CODE: Record<ErrorCode, { 'zh-CN': string; en: string }> = {
  validation: { 'zh-CN': '输入有误，请检查后重试', en: 'Some input is not valid; please check it' },
  unauthenticated: { 'zh-CN': '登录已过期，请重新登录', en: 'Your session has ended; please sign in again' },
  mfa_required: { 'zh-CN': '请输入身份验证器中的验证码', en: 'Enter the code from your authenticator app' },
  mfa_enrolment_required: {
    'zh-CN': '您的角色要求启用双重验证，请先绑定身份验证器',
    en: 'Your role requires two-step verification: set up an authenticator app first',
  },
  csrf: { 'zh-CN': '页面已过期，请刷新后重试', en: 'The page is out of date; reload it and try again' },
  forbidden: { 'zh-CN': '您没有权限执行此操作', en: 'You are not allowed to do this' },
  not_author: {
    'zh-CN': '只有标记的作者可以修改或删除它',
    en: 'Only the author of a mark can change or delete it',
  },
  not_found: {
    'zh-CN': '找不到该内容，或您无权查看',
    en: 'Not found, or you may not see it',
  },
  not_acceptable: { 'zh-CN': '无法提供所请求的格式', en: 'That format cannot be provided' },
  conflict: {
    'zh-CN': '操作冲突：内容已被修改或已存在，请刷新后重试',
    en: 'Conflict: it was changed or already exists; reload and try again',
  },
  invalid_transition: {
    'zh-CN': '当前状态下不能执行此操作，请刷新查看最新状态',
    en: 'Not possible in the current state; reload to see it',
  },
  payload_too_large: { 'zh-CN': '文件过大', en: 'The file is too large' },
  unsupported_media_type: { 'zh-CN': '不支持的文件类型', en: 'This file type is not supported' },
  locked: {
    'zh-CN': '多次登录失败，账号已被临时锁定，请稍后再试',
    en: 'Too many failed sign-ins; the account is locked for a while',
  },
  rate_limited: { 'zh-CN': '操作过于频繁，请稍后再试', en: 'Too many attempts; please wait a moment' },
  unavailable: {
    'zh-CN': '服务暂时不可用，请稍后再试',
    en: 'The service is unavailable; please try again later',
  },
  internal: { 'zh-CN': '服务器内部错误，请联系管理员', en: 'Server error; please contact the administrator' },
  pdf_signing_failed: {
    'zh-CN': '无法用您的证书签署报告 PDF，报告未签署；请稍后重试或联系管理员',
    en: 'The report PDF could not be signed with your certificate, so the report was not signed; try again later or contact the administrator',
  },
};

/** Refinements by field (`error.<code>.<field>`) or request context (`error.<code>.<context>`). */
const REFINED: Record<string, { 'zh-CN': string; en: string }> = {
  'error.unauthenticated.login': { 'zh-CN': '用户名或密码错误', en: 'Wrong username or password' },
  'error.forbidden.login': { 'zh-CN': '该账号已停用', en: 'This account is disabled' },
  'error.unauthenticated.code': {
    'zh-CN': '验证码错误或已使用过，请输入新的验证码',
    en: 'The code is wrong or was already used; enter a new one',
  },
  'error.validation.code': {
    'zh-CN': '验证码不匹配，请检查手机时间后重试',
    en: 'The code does not match; check the time on your phone',
  },
  'error.validation.newPassword': {
    'zh-CN': '新密码不符合要求：至少 12 个字符，不能是常见密码、不能包含用户名、不能与最近使用过的密码相同',
    en: 'The new password does not meet the rules: at least 12 characters, not a common password, not containing the username, not one used recently',
  },
  'error.validation.sign': { 'zh-CN': '密码不正确', en: 'The password is not correct' },
  'error.validation.sign.pin': {
    'zh-CN': '签名 PIN 不正确，报告未签署（连续输错会锁定密钥）',
    en: 'The signing PIN is not correct; the report was not signed (repeated mistakes lock the key)',
  },
  'error.locked.sign': {
    'zh-CN': '签名 PIN 输错次数过多，签名密钥已临时锁定，请稍后再试',
    en: 'Too many wrong signing PINs: the signing key is locked for a while',
  },
  'error.validation.signer.pin': {
    'zh-CN': '签名 PIN 须为 6–64 个字符',
    en: 'The signing PIN must have 6–64 characters',
  },
  'error.validation.signer.password': {
    'zh-CN': 'PKCS#12 文件密码不正确',
    en: 'The PKCS#12 file password is not correct',
  },
  'error.validation.signer.pkcs12Base64': {
    'zh-CN': 'PKCS#12 文件无法使用：须含一个 Ed25519、P-256 或 SM2 私钥及其当前有效、由受信任 CA 签发的证书',
    en: 'The PKCS#12 file cannot be used: it needs one Ed25519, P-256 or SM2 key with its currently valid certificate from a trusted CA',
  },
  'error.conflict.signerRevoke': {
    'zh-CN': '该签名密钥已被吊销',
    en: 'The signing key was already revoked',
  },
  'error.not_found.signerRevoke': {
    'zh-CN': '签名密钥不存在，或不属于您管理的用户',
    en: 'No such signing key among the users you administer',
  },
  'error.forbidden.signerRevoke': {
    'zh-CN': '只有密钥本人或用户管理员可以吊销签名密钥',
    en: 'Only the key’s owner or a users’ administrator may revoke a signing key',
  },
  'error.validation.signerRevoke.reason': {
    'zh-CN': '请填写吊销原因（最多 500 个字符）',
    en: 'Give the reason for the revocation (at most 500 characters)',
  },
  'error.validation.password': {
    'zh-CN': '密码不符合要求：至少 12 个字符，不能是常见密码、不能包含用户名、不能与最近使用过的密码相同',
    en: 'The password does not meet the rules: at least 12 characters, not a common password, not containing the username, not one used recently',
  },
  'error.validation.nationalId': {
    'zh-CN': '身份证号无效：须为 18 位、出生日期有效、校验码正确，且与出生日期一致',
    en: 'Invalid national ID: 18 characters, a real birth date matching the form, and a correct check digit',
  },
  'error.conflict.nationalId': {
    'zh-CN': '本院已有该身份证号的患者档案',
    en: 'A patient file with this national ID already exists',
  },
  'error.conflict.recordNumber': {
    'zh-CN': '本院已有该病历号的患者档案',
    en: 'A patient file with this record number already exists',
  },
  'error.conflict.icd10': {
    'zh-CN': '该患者已有此疾病的病例（一病一档）',
    en: 'The patient already has a case file for this disease',
  },
  'error.invalid_transition.round': {
    'zh-CN': '您当前不在查房房间中（连接曾中断），请等待重新进入后再试',
    en: 'You are not in the round’s room right now (the connection dropped); wait until you are back, then try again',
  },
  'error.unavailable.round': {
    'zh-CN': '查房服务暂无响应，请稍后再试',
    en: 'The round’s server did not answer; try again in a moment',
  },
  'error.network': {
    'zh-CN': '无法连接服务器，请检查网络',
    en: 'Cannot reach the server; check the network',
  },
  'error.withField': { 'zh-CN': '{message}（{field}）', en: '{message} ({field})' },
};

/** Field names as the forms label them, for `error.withField`. */
const FIELDS: Record<string, { 'zh-CN': string; en: string }> = {
  name: { 'zh-CN': '姓名', en: 'Name' },
  sex: { 'zh-CN': '性别', en: 'Sex' },
  birthDate: { 'zh-CN': '出生日期', en: 'Birth date' },
  phone: { 'zh-CN': '电话', en: 'Phone' },
  icd10: { 'zh-CN': 'ICD-10 编码', en: 'ICD-10 code' },
  diagnosis: { 'zh-CN': '诊断', en: 'Diagnosis' },
  date: { 'zh-CN': '日期', en: 'Date' },
  nextDueDate: { 'zh-CN': '下次随访日期', en: 'Next follow-up date' },
  systolic: { 'zh-CN': '收缩压', en: 'Systolic pressure' },
  diastolic: { 'zh-CN': '舒张压', en: 'Diastolic pressure' },
  glucose: { 'zh-CN': '血糖', en: 'Glucose' },
  weight: { 'zh-CN': '体重', en: 'Weight' },
  notes: { 'zh-CN': '备注', en: 'Notes' },
  clinicalQuestion: { 'zh-CN': '会诊问题', en: 'Clinical question' },
  impression: { 'zh-CN': '印象', en: 'Impression' },
  username: { 'zh-CN': '用户名', en: 'Username' },
  reason: { 'zh-CN': '原因', en: 'Reason' },
  title: { 'zh-CN': '标题', en: 'Title' },
  scheduledAt: { 'zh-CN': '时间', en: 'Time' },
  file: { 'zh-CN': '文件', en: 'File' },
};

function dict(l: Locale): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [code, m] of Object.entries(BY_CODE)) out[`error.${code}`] = m[l];
  for (const [k, m] of Object.entries(REFINED)) out[k] = m[l];
  for (const [k, m] of Object.entries(FIELDS)) out[`field.${k}`] = m[l];
  return out;
}

export const errorMessages: Record<Locale, Record<string, string>> = {
  'zh-CN': dict('zh-CN'),
  en: dict('en'),
};
