import type { GeneratedTimestamp } from '../db/tables';

/**
 * A deployment-wide key (the audit checkpoint HMAC key, the report-signing private key), created once by the
 * first node that starts; `material` is sealed with SECRETS_KEY when set (seal.ts).
 */
export interface DeploymentKeyTable {
  name: string;
  material: string;
  created_at: GeneratedTimestamp;
}
