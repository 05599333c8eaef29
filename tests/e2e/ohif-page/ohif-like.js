/**
 * A small OHIF-like viewer data source, run in a page of another origin (tests/e2e/ohif-client.test.ts): with the
 * settings of docs/ohif-datasource.json (fetched as /config.json) and a bearer token, it makes the requests OHIF's
 * DICOMweb data source makes to open a study, through the `dicomweb-client` library OHIF uses (its UMD build,
 * global `DICOMwebClient`): QIDO studies (OHIF's parameter mapping), series and instances, WADO-RS series metadata
 * (enableStudyLazyLoad: per series), frames with the Accept header of `acceptHeader` (as cornerstone's WADO-RS
 * loader sends it), the pixel BulkDataURI, a rendered image and a thumbnail (thumbnailRendering). Every outcome is
 * reported as plain data, errors included, so the test can assert what the browser allowed.
 */
(function () {
  'use strict';
  const tag = (json, t) => (json[t] && json[t].Value ? json[t].Value[0] : undefined);
  const bytesOf = (x) => (Array.isArray(x) ? x[0] : x);
  const errorOf = (e) => ({
    error: String((e && e.message) || e),
    status: e && typeof e.status === 'number' ? e.status : null,
  });
  const log = (line) => {
    document.getElementById('log').textContent += line + '\n';
  };

  /** The Content-Type header of the first part of a multipart body (what the frame is, as the server labels it). */
  const partContentType = (body) => {
    const head = new TextDecoder('latin1').decode(body.subarray(0, 512));
    const m = /\r\ncontent-type:\s*([^\r\n]+)/i.exec(head);
    return m ? m[1].trim() : null;
  };

  async function config() {
    const res = await fetch('/config.json');
    return (await res.json()).configuration;
  }

  function clients(cfg, token) {
    const headers = { Authorization: 'Bearer ' + token };
    const C = window.DICOMwebClient.api.DICOMwebClient;
    return {
      headers,
      qido: new C({ url: cfg.qidoRoot, headers }),
      wado: new C({ url: cfg.wadoRoot, headers }),
    };
  }

  /** OHIF's study list query for one study (qido.js mapParams: limit, offset, fuzzymatching, includefield). */
  async function findStudy(token, studyUid) {
    const cfg = await config();
    const { qido } = clients(cfg, token);
    try {
      const studies = await qido.searchForStudies({
        queryParams: {
          StudyInstanceUID: studyUid,
          limit: '101',
          offset: '0',
          fuzzymatching: String(cfg.supportsFuzzyMatching === true),
          ...(cfg.qidoSupportsIncludeField ? { includefield: '00081030,00080060' } : {}),
        },
      });
      log('studies ' + studies.length);
      return { studies: studies.map((s) => ({ uid: tag(s, '0020000D'), description: tag(s, '00081030') })) };
    } catch (e) {
      return errorOf(e);
    }
  }

  /** Open a study as the OHIF viewer does; returns what each request gave. */
  async function openStudy(token, studyUid) {
    const cfg = await config();
    const { headers, qido, wado } = clients(cfg, token);
    try {
      const series = await qido.searchForSeries({ studyInstanceUID: studyUid });
      const out = { series: [] };
      for (const s of series) {
        const seriesUid = tag(s, '0020000E');
        const instances = await qido.searchForInstances({
          studyInstanceUID: studyUid,
          seriesInstanceUID: seriesUid,
        });
        const metadata = await wado.retrieveSeriesMetadata({
          studyInstanceUID: studyUid,
          seriesInstanceUID: seriesUid,
        });
        out.series.push({
          uid: seriesUid,
          modality: tag(s, '00080060'),
          instances: instances.length,
          metadata: metadata.length,
        });
        if (out.first) continue;
        const md = metadata[0];
        const ref = {
          studyInstanceUID: studyUid,
          seriesInstanceUID: seriesUid,
          sopInstanceUID: tag(md, '00080018'),
        };
        const instanceUrl = `${cfg.wadoRoot}/studies/${studyUid}/series/${seriesUid}/instances/${ref.sopInstanceUID}`;
        // cornerstone's WADO-RS image loader: its own XHR with the configured Accept header, unquoted.
        const frame = await fetch(`${instanceUrl}/frames/1`, {
          headers: { ...headers, Accept: cfg.acceptHeader[0] },
        });
        const frameBody = new Uint8Array(await frame.arrayBuffer());
        // The same frame through dicomweb-client (transfer syntax as stored: '*').
        const [viaClient] = await wado.retrieveInstanceFrames({
          ...ref,
          frameNumbers: [1],
          mediaTypes: [{ mediaType: 'application/octet-stream', transferSyntaxUID: '*' }],
        });
        const pixel = md['7FE00010'] || {};
        const bulk = pixel.BulkDataURI ? await wado.retrieveBulkData({ BulkDataURI: pixel.BulkDataURI }) : null;
        const rendered = bytesOf(
          await wado.retrieveInstanceRendered({ ...ref, mediaTypes: [{ mediaType: 'image/jpeg' }] }),
        );
        const thumb = bytesOf(
          await wado.retrieveInstanceThumbnail({ ...ref, mediaTypes: [{ mediaType: 'image/jpeg' }] }),
        );
        out.first = {
          sopInstanceUid: ref.sopInstanceUID,
          rows: tag(md, '00280010'),
          columns: tag(md, '00280011'),
          bitsAllocated: tag(md, '00280100'),
          frameStatus: frame.status,
          frameContentType: frame.headers.get('content-type'),
          frameBodyBytes: frameBody.byteLength,
          framePartType: partContentType(frameBody),
          clientFrameBytes: viaClient.byteLength,
          bulkDataUri: pixel.BulkDataURI || null,
          bulkBytes: bulk ? bytesOf(bulk).byteLength : 0,
          renderedMagic: Array.from(new Uint8Array(rendered).subarray(0, 2)),
          thumbnailMagic: Array.from(new Uint8Array(thumb).subarray(0, 2)),
        };
      }
      log('opened ' + studyUid);
      return out;
    } catch (e) {
      return errorOf(e);
    }
  }

  /** A plain fetch with the bearer token (what the browser does when CORS refuses it: a network error). */
  async function rawQido(token) {
    const cfg = await config();
    try {
      const res = await fetch(`${cfg.qidoRoot}/studies?limit=1`, {
        headers: { Authorization: 'Bearer ' + token, Accept: 'application/dicom+json' },
      });
      return { status: res.status };
    } catch (e) {
      return errorOf(e);
    }
  }

  window.ohifLike = { findStudy, openStudy, rawQido };
})();
