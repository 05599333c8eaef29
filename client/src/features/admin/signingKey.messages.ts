import { registerMessages } from '../../app/i18n';

registerMessages({
  'zh-CN': {
    'admin.signingKey.column': '签名密钥',
    'admin.signingKey.none': '无',
    'admin.signingKey.title': '{username} 的签名密钥',
    'admin.signingKey.revoke': '吊销签名密钥',
    'admin.signingKey.explain':
      '医生离职，或设备、签名 PIN 丢失且无法联系本人时，由管理员吊销其签名密钥。吊销后不能再用此密钥签署报告；吊销前签署的报告仍然有效。吊销记入审计日志，并列入内部 CA 的证书吊销列表（CRL）。',
    'admin.signingKey.code': '吊销原因类别（列入 CRL）',
    'admin.signingKey.reason': '吊销原因（记入审计日志）',
    'admin.signingKey.confirm': '确认吊销',
    'admin.signingKey.revoked': '已吊销 {username} 的签名密钥',
    'admin.signingKey.crl': '下载证书吊销列表（CRL）',
  },
  en: {
    'admin.signingKey.column': 'Signing key',
    'admin.signingKey.none': 'None',
    'admin.signingKey.title': 'Signing key of {username}',
    'admin.signingKey.revoke': 'Revoke signing key',
    'admin.signingKey.explain':
      'When a doctor leaves, or loses the device or signing PIN and cannot be reached, an administrator revokes their signing key. It can sign no more reports; reports signed before stay valid. The revocation is audited and listed on the internal CA’s certificate revocation list (CRL).',
    'admin.signingKey.code': 'Reason category (on the CRL)',
    'admin.signingKey.reason': 'Reason (kept in the audit log)',
    'admin.signingKey.confirm': 'Revoke',
    'admin.signingKey.revoked': 'The signing key of {username} was revoked',
    'admin.signingKey.crl': 'Download the revocation list (CRL)',
  },
});
