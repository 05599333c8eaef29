export * from './model';
export * from './measure';
export * from './format';
export * from './graphic';
