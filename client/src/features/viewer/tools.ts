import type { AnnotationTool } from '@consult/shared';

/**
 * Tools as data (OHIF style): the toolbar, hotkeys and the controller read this list; adding a tool is a
 * data edit. `tool` is the cornerstone-tools class name; `annotation` tools are persisted on the server.
 */
export interface ToolDef {
  name: string;
  tool: string;
  labelKey: string;
  hotkey?: string;
  annotation: boolean;
}

export const TOOLS: ToolDef[] = [
  { name: 'Wwwc', tool: 'WwwcTool', labelKey: 'viewer.tool.wwwc', hotkey: 'w', annotation: false },
  { name: 'Pan', tool: 'PanTool', labelKey: 'viewer.tool.pan', hotkey: 'p', annotation: false },
  { name: 'Zoom', tool: 'ZoomTool', labelKey: 'viewer.tool.zoom', hotkey: 'z', annotation: false },
  {
    name: 'StackScroll',
    tool: 'StackScrollTool',
    labelKey: 'viewer.tool.scroll',
    hotkey: 's',
    annotation: false,
  },
  { name: 'Length', tool: 'LengthTool', labelKey: 'viewer.tool.length', hotkey: 'l', annotation: true },
  { name: 'Angle', tool: 'AngleTool', labelKey: 'viewer.tool.angle', hotkey: 'a', annotation: true },
  { name: 'Probe', tool: 'ProbeTool', labelKey: 'viewer.tool.probe', annotation: true },
  {
    name: 'EllipticalRoi',
    tool: 'EllipticalRoiTool',
    labelKey: 'viewer.tool.ellipse',
    hotkey: 'e',
    annotation: true,
  },
  {
    name: 'RectangleRoi',
    tool: 'RectangleRoiTool',
    labelKey: 'viewer.tool.rectangle',
    hotkey: 'r',
    annotation: true,
  },
  {
    name: 'FreehandRoi',
    tool: 'FreehandRoiTool',
    labelKey: 'viewer.tool.freehand',
    hotkey: 'f',
    annotation: true,
  },
  { name: 'ArrowAnnotate', tool: 'ArrowAnnotateTool', labelKey: 'viewer.tool.arrow', annotation: true },
];

export const ANNOTATION_TOOL_NAMES = TOOLS.filter((t) => t.annotation).map((t) => t.name as AnnotationTool);

/** Window/level presets (width, center) in HU. */
export const WL_PRESETS: { id: string; labelKey: string; ww: number; wc: number }[] = [
  { id: 'brain', labelKey: 'viewer.preset.brain', ww: 80, wc: 40 },
  { id: 'lung', labelKey: 'viewer.preset.lung', ww: 1500, wc: -600 },
  { id: 'bone', labelKey: 'viewer.preset.bone', ww: 2500, wc: 480 },
  { id: 'abdomen', labelKey: 'viewer.preset.abdomen', ww: 400, wc: 50 },
];
