// The legacy cornerstone stack ships no typings for these (see /work/shared/notes/cornerstone-vite.md).
declare module 'cornerstone-wado-image-loader';
declare module 'cornerstone-tools';
declare module 'cornerstone-math';
