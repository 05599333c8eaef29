import type { ConsultationState } from '../state/consultation.machine';
import type { Message } from '../schemas/consultations';

/** A consultation changed (state, assignment, fields). Minimal payload: clients refetch what they show. */
export interface ConsultationChangedEvent {
  id: string;
  state: ConsultationState;
  version: number;
  /** The transition that caused it, if any. */
  from?: ConsultationState | null;
}

/** Server → client events of the consultations capability. Sent only to users who may see the request. */
export interface ConsultationServerToClientEvents {
  'consultation:changed': (e: ConsultationChangedEvent) => void;
  'consultation:message': (m: Message) => void;
}
