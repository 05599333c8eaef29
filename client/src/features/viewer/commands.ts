import type { ViewerController } from './ViewerController';
import { WL_PRESETS } from './tools';

/**
 * Named commands (OHIF style): toolbar buttons, hotkeys and remote control (rounds) all run these by name.
 */
export type CommandName =
  | 'reset'
  | 'invert'
  | 'rotateCw'
  | 'rotateCcw'
  | 'flipH'
  | 'flipV'
  | 'nextImage'
  | 'prevImage'
  | 'toggleCine'
  | 'preset';

export const COMMANDS: Record<
  CommandName,
  (v: ViewerController, opts?: { preset?: string }) => void | Promise<void>
> = {
  reset: (v) => v.reset(),
  invert: (v) => v.setState({ invert: !v.getState()?.invert }),
  rotateCw: (v) => v.setState({ rotation: ((v.getState()?.rotation ?? 0) + 90) % 360 }),
  rotateCcw: (v) => v.setState({ rotation: ((v.getState()?.rotation ?? 0) + 270) % 360 }),
  flipH: (v) => v.setState({ hflip: !v.getState()?.hflip }),
  flipV: (v) => v.setState({ vflip: !v.getState()?.vflip }),
  nextImage: (v) => v.scrollTo((v.getState()?.imageIndex ?? 0) + 1),
  prevImage: (v) => v.scrollTo((v.getState()?.imageIndex ?? 0) - 1),
  toggleCine: (v) => (v.cinePlaying ? v.stopCine() : v.playCine()),
  preset: (v, o) => {
    const p = WL_PRESETS.find((x) => x.id === o?.preset);
    if (p) return v.setState({ windowWidth: p.ww, windowCenter: p.wc });
  },
};

/** Keyboard bindings → commands. */
export const HOTKEYS: Record<string, [CommandName, { preset?: string }?]> = {
  ArrowDown: ['nextImage'],
  ArrowRight: ['nextImage'],
  PageDown: ['nextImage'],
  ArrowUp: ['prevImage'],
  ArrowLeft: ['prevImage'],
  PageUp: ['prevImage'],
  i: ['invert'],
  ' ': ['toggleCine'],
  Escape: ['reset'],
  '1': ['preset', { preset: 'brain' }],
  '2': ['preset', { preset: 'lung' }],
  '3': ['preset', { preset: 'bone' }],
  '4': ['preset', { preset: 'abdomen' }],
};
