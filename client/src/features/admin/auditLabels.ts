import type { Locale } from '@consult/shared';
import { registerMessages } from '../../app/i18n';

/**
 * The audit trail's action codes, entity types and outcomes in both languages. The codes are what the server
 * writes (`recordAudit({ action })`); auditLabels.test.ts fails when server code writes one missing here.
 */
const ACTIONS: Record<string, [zh: string, en: string]> = {
  'auth.login': ['登录', 'Sign in'],
  'auth.logout': ['退出登录', 'Sign out'],
  'auth.password_change': ['修改密码', 'Change password'],
  'auth.mfa_enrol': ['绑定双重验证', 'Enrol two-step verification'],
  'auth.mfa_recovery_codes': ['重新生成恢复码', 'Regenerate recovery codes'],
  'auth.session_end': ['结束登录会话', 'End a session'],
  'user.mfa_reset': ['重置双重验证', 'Reset two-step verification'],
  'user.create': ['创建用户', 'Create user'],
  'user.create_admin_cli': ['命令行创建管理员', 'Create administrator (command line)'],
  'user.password_reset': ['重置密码', 'Reset password'],
  'user.update': ['修改用户', 'Update user'],
  'hospital.create': ['创建医院', 'Create hospital'],
  'hospital.update': ['修改医院', 'Update hospital'],
  'department.create': ['创建科室', 'Create department'],
  'pairing.create': ['建立对口支援关系', 'Create pairing'],
  'pairing.update': ['修改对口支援关系', 'Update pairing'],
  'patient.list': ['查看患者列表', 'List patients'],
  'patient.read': ['查看患者档案', 'Read patient file'],
  'patient.create': ['建立患者档案', 'Create patient file'],
  'patient.update': ['修改患者档案', 'Update patient file'],
  'patient.case.create': ['新建病例', 'Create case'],
  'patient.case.update': ['修改病例', 'Update case'],
  'patient.follow_up.create': ['记录随访', 'Record follow-up'],
  'patient.follow_up.overdue': ['查看逾期随访', 'List overdue follow-ups'],
  'consultation.list': ['查看会诊列表', 'List consultations'],
  'consultation.read': ['查看会诊申请', 'Read consultation'],
  'consultation.create': ['创建会诊申请', 'Create consultation'],
  'consultation.update': ['修改会诊申请', 'Update consultation'],
  'consultation.transition': ['会诊状态变更', 'Consultation state change'],
  'consultation.messages.read': ['查看会诊讨论', 'Read consultation thread'],
  'consultation.message.post': ['发表会诊讨论', 'Post to consultation thread'],
  'consultation.attachment.upload': ['上传附件', 'Upload attachment'],
  'consultation.attachment.read': ['查看附件', 'Read attachment'],
  'consultation.study.link': ['关联影像检查', 'Link study'],
  'consultation.study.unlink': ['取消关联影像检查', 'Unlink study'],
  'consultation.teaching_share': ['同意用于教学查房', 'Consent to teaching rounds'],
  'consultation.teaching_unshare': ['撤回教学查房同意', 'Withdraw teaching-round consent'],
  'care_team.add': ['加入诊疗团队', 'Add to care team'],
  'care_team.remove': ['移出诊疗团队', 'Remove from care team'],
  'imaging.instance.store': ['上传影像', 'Store image'],
  'imaging.study.list': ['查看影像检查列表', 'List studies'],
  'imaging.study.read': ['查看影像检查', 'Read study'],
  'imaging.study.view': ['阅片', 'View study'],
  'imaging.study.link_case': ['影像关联病例', 'Link study to case'],
  'imaging.annotation.create': ['添加标注', 'Create annotation'],
  'imaging.annotation.update': ['修改标注', 'Update annotation'],
  'imaging.annotation.delete': ['删除标注', 'Delete annotation'],
  'round.create': ['创建远程查房', 'Create round'],
  'round.read': ['查看远程查房', 'Read round'],
  'round.update': ['修改远程查房', 'Update round'],
  'round.join': ['加入远程查房', 'Join round'],
  'round.end': ['结束远程查房', 'End round'],
  'round.recording.start': ['开始录制', 'Start recording'],
  'round.recording.view': ['观看录像', 'View recording'],
  'sync.join': ['加入同步阅片', 'Join synchronized viewing'],
  'report.list': ['查看报告列表', 'List reports'],
  'report.read': ['查看报告', 'Read report'],
  'report.create': ['创建报告', 'Create report'],
  'report.draft_save': ['保存报告草稿', 'Save report draft'],
  'report.sign': ['签署报告', 'Sign report'],
  'signer.enrol': ['注册签名密钥', 'Enrol signing key'],
  'signer.import': ['导入签名证书', 'Import signing certificate'],
  'signer.revoke': ['吊销签名密钥', 'Revoke signing key'],
  'signer.unlock': ['签名 PIN 验证', 'Signing PIN check'],
  'report.amend_start': ['开始修订报告', 'Start amendment'],
  'report.acknowledge': ['确认报告', 'Acknowledge report'],
  'report.export_pdf': ['导出报告 PDF', 'Export report PDF'],
  'report.export_fhir': ['导出 FHIR', 'Export FHIR'],
  'stats.read': ['查看统计', 'Read statistics'],
  'dashboard.read': ['查看项目看板', 'Read dashboard'],
  'service_client.create': ['创建服务客户端', 'Create service client'],
  'service_client.revoke': ['吊销服务客户端', 'Revoke service client'],
  'oauth.token': ['获取访问令牌', 'Obtain access token'],
  'fhir.read': ['读取 FHIR 资源', 'Read FHIR resource'],
  'fhir.search': ['检索 FHIR 资源', 'Search FHIR resources'],
};

const ENTITIES: Record<string, [string, string]> = {
  user: ['用户', 'User'],
  hospital: ['医院', 'Hospital'],
  department: ['科室', 'Department'],
  pairing: ['对口支援关系', 'Pairing'],
  patient: ['患者', 'Patient'],
  consultation: ['会诊', 'Consultation'],
  imaging_study: ['影像检查', 'Study'],
  imaging_annotation: ['影像标注', 'Annotation'],
  round: ['远程查房', 'Round'],
  report: ['报告', 'Report'],
  stats: ['统计', 'Statistics'],
  dashboard: ['项目看板', 'Dashboard'],
  session: ['会话', 'Session'],
  service_client: ['服务客户端', 'Service client'],
  fhir: ['FHIR 资源', 'FHIR resource'],
};

const OUTCOMES: Record<string, [string, string]> = {
  success: ['成功', 'Success'],
  failure: ['失败', 'Failure'],
  denied: ['拒绝', 'Denied'],
};

export const AUDIT_ACTION_CODES = Object.keys(ACTIONS);

function build(i: 0 | 1): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ACTIONS)) out[`audit.action.${k}`] = v[i];
  for (const [k, v] of Object.entries(ENTITIES)) out[`audit.entity.${k}`] = v[i];
  for (const [k, v] of Object.entries(OUTCOMES)) out[`audit.outcome.${k}`] = v[i];
  return out;
}

export const auditMessages: Record<Locale, Record<string, string>> = { 'zh-CN': build(0), en: build(1) };
registerMessages(auditMessages);
