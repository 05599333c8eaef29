import * as cornerstone from 'cornerstone-core';
import cornerstoneTools from 'cornerstone-tools';
import cornerstoneMath from 'cornerstone-math';
import cornerstoneWADOImageLoader from 'cornerstone-wado-image-loader';
import dicomParser from 'dicom-parser';
import Hammer from 'hammerjs';

let ready = false;

/**
 * One-time setup of the legacy stack. The loader's bundle inlines its codec worker and wasm (no CDN, no
 * extra files). Externals must be set before tools.init() (the tools default to window globals).
 */
export function initCornerstone(): void {
  if (ready) return;
  ready = true;
  cornerstoneWADOImageLoader.external.cornerstone = cornerstone;
  cornerstoneWADOImageLoader.external.dicomParser = dicomParser;
  cornerstoneWADOImageLoader.configure({ beforeSend: (xhr: XMLHttpRequest) => (xhr.withCredentials = true) });
  cornerstoneWADOImageLoader.webWorkerManager.initialize({
    maxWebWorkers: Math.max(1, Math.min(2, navigator.hardwareConcurrency || 1)),
    startWebWorkersOnDemand: true,
    taskConfiguration: { decodeTask: { initializeCodecsOnStartup: false, strict: false } },
  });
  // Loader bug: with no ImageOrientationPatient and no Modality its imagePlaneModule provider throws and the
  // load never settles. A higher-priority provider swallows that.
  const wadoMeta = cornerstoneWADOImageLoader.wadouri.metaData.metaDataProvider;
  cornerstone.metaData.addProvider((type: string, imageId: string) => {
    if (type !== 'imagePlaneModule' || !imageId.startsWith('wadouri:')) return undefined;
    try {
      return wadoMeta(type, imageId);
    } catch {
      return {};
    }
  }, 100);
  cornerstoneTools.external.cornerstone = cornerstone;
  cornerstoneTools.external.cornerstoneMath = cornerstoneMath;
  cornerstoneTools.external.Hammer = Hammer;
  cornerstoneTools.init({ showSVGCursors: false, globalToolSyncEnabled: false });
}

/** Loads that fail inside the loader can hang instead of rejecting: race them against a timeout. */
export function loadImage(imageId: string, timeoutMs = 20_000): Promise<cornerstone.Image> {
  return Promise.race([
    cornerstone.loadAndCacheImage(imageId) as unknown as Promise<cornerstone.Image>,
    new Promise<never>((_r, reject) =>
      setTimeout(() => reject(new Error(`image did not load within ${timeoutMs / 1000} s`)), timeoutMs),
    ),
  ]);
}

/** The parsed DICOM data set the WADO-URI loader attaches to an image it loaded. */
interface LoaderDataSet {
  floatString(tag: string): number | undefined;
}

/**
 * The display rate a multi-frame image asks for, in frames per second: from Frame Time (0018,1063), else Cine
 * Rate (0018,0040), else Recommended Display Frame Rate (0008,2144); undefined when it names none.
 */
export function cineRateOf(image: cornerstone.Image | undefined): number | undefined {
  const ds = (image as unknown as { data?: LoaderDataSet } | undefined)?.data;
  if (!ds) return undefined;
  const frameTime = ds.floatString('x00181063');
  if (frameTime && frameTime > 0) return 1000 / frameTime;
  for (const tag of ['x00180040', 'x00082144']) {
    const rate = ds.floatString(tag);
    if (rate && rate > 0) return rate;
  }
  return undefined;
}

export { cornerstone, cornerstoneTools };
