import type { Selectable } from 'kysely';
import type { TeamPurpose } from '@consult/shared';
import type { GeneratedTimestamp } from '../db/tables';

/** A colleague added to a consultation's care team (the consultant, owner and triage seats are derived). */
export interface CareTeamMemberTable {
  consultation_id: string;
  user_id: string;
  purpose: TeamPurpose;
  added_by: string;
  added_at: GeneratedTimestamp;
}
export type CareTeamMemberRow = Selectable<CareTeamMemberTable>;
