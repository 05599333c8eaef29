import { registerMessages } from '../../app/i18n';

registerMessages({
  'zh-CN': {
    'viewer.sr.title': '外部系统标注',
    'viewer.sr.show': '显示',
    'viewer.sr.readOnly': '来自其他系统的测量报告（DICOM SR），只读，不能移动或删除。',
    'viewer.sr.unknownAuthor': '未署名',
    'viewer.sr.notInStudy': '所指图像不在本检查中',
  },
  en: {
    'viewer.sr.title': 'Marks from other systems',
    'viewer.sr.show': 'Show',
    'viewer.sr.readOnly':
      'From measurement reports (DICOM SR) made elsewhere; read-only, cannot be moved or deleted.',
    'viewer.sr.unknownAuthor': 'Unnamed author',
    'viewer.sr.notInStudy': 'The image it refers to is not in this study',
  },
});
