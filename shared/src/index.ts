export * from './roles';
export * from './permissions';
export * from './errors';
export * from './schemas/common';
export * from './schemas/auth';
export * from './schemas/network';
export * from './schemas/audit';
export * from './events/index';
