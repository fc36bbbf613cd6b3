// Big files: Uppy sends each file in parts straight to storage, with the app signing every part.
// Without this script (or without Uppy) the plain upload form below still works up to the request limit.
(function () {
  var current = document.currentScript;
  var localUppy = current && current.getAttribute("data-uppy-local");

  function ensureUppy(done) {
    if (window.Uppy && window.Uppy.Uppy) return done();
    if (!localUppy) return;
    var script = document.createElement("script");
    script.src = localUppy;
    script.onload = done;
    document.head.appendChild(script);
  }

  function request(method, url, csrf, body) {
    var headers = { "Accept": "application/json", "X-CSRFToken": csrf };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      if (response.status === 204) return null;
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error((data && data.error) || "The upload failed (" + response.status + ").");
        return data;
      });
    });
  }

  function formValues(root) {
    var form = root.closest("form");
    var deliverable = form && form.querySelector("select[name=deliverable_id]");
    var visible = form && form.querySelector("input[name=client_visible]");
    return {
      deliverable_id: deliverable ? deliverable.value : null,
      client_visible: visible ? visible.checked : false,
    };
  }

  // The operator's files block has a fragment of its own; elsewhere the page is reloaded once all went well.
  function refreshFiles(root, result) {
    var url = root.getAttribute("data-files-url");
    if (url && window.htmx) {
      window.htmx.ajax("GET", url, { target: "#project-files", swap: "outerHTML" });
    } else if (!url && result && result.successful && result.successful.length && !result.failed.length) {
      window.location.reload();
    }
  }

  function mount(root) {
    if (root.hasAttribute("data-mounted")) return;
    root.setAttribute("data-mounted", "");
    var U = window.Uppy;
    var csrf = root.getAttribute("data-csrf");
    var base = root.getAttribute("data-uploads-url");
    var uppy = new U.Uppy({
      id: root.getAttribute("data-uppy-id"),
      autoProceed: false,
      restrictions: { maxFileSize: Number(root.getAttribute("data-max-bytes")) },
    });
    uppy.use(U.Dashboard, {
      inline: true,
      target: root,
      width: "100%",
      height: 320,
      showProgressDetails: true,
      proudlyDisplayPoweredByUppy: false,
      note: root.getAttribute("data-note"),
    });
    uppy.use(U.AwsS3, {
      shouldUseMultipart: true,
      limit: 4,
      getChunkSize: function (file) { return Math.max(5 * 1024 * 1024, Math.ceil(file.size / 10000)); },
      createMultipartUpload: function (file) {
        var values = formValues(root);
        return request("POST", root.getAttribute("data-create-url"), csrf, {
          filename: file.name,
          size: file.size,
          deliverable_id: values.deliverable_id,
          client_visible: values.client_visible,
        }).then(function (data) { return { uploadId: data.uploadId, key: data.key }; });
      },
      signPart: function (file, options) {
        return request("GET", base + encodeURIComponent(options.uploadId) + "/parts/" + options.partNumber, csrf);
      },
      listParts: function (file, options) {
        return request("GET", base + encodeURIComponent(options.uploadId) + "/parts", csrf);
      },
      completeMultipartUpload: function (file, options) {
        var parts = options.parts.map(function (p) { return { PartNumber: p.PartNumber, ETag: p.ETag }; });
        return request("POST", base + encodeURIComponent(options.uploadId) + "/complete", csrf, { parts: parts })
          .then(function (data) {
            if (data.status === "failed") throw new Error(data.error);
            return { location: data.location };
          });
      },
      abortMultipartUpload: function (file, options) {
        return request("POST", base + encodeURIComponent(options.uploadId) + "/abort", csrf);
      },
    });
    // Files up to 256 MB are kept in the browser for a reload; bigger ones are picked again and resume.
    uppy.use(U.GoldenRetriever, {
      serviceWorker: false,
      indexedDB: { maxFileSize: 256 * 1024 * 1024, maxTotalSize: 1024 * 1024 * 1024 },
    });
    uppy.on("upload-error", function () { refreshFiles(root); });
    uppy.on("complete", function (result) {
      refreshFiles(root, result);
      // Sent files now appear in the list: take them off the uploader, which is then ready for the next ones.
      setTimeout(function () {
        result.successful.forEach(function (file) { if (uppy.getFile(file.id)) uppy.removeFile(file.id); });
      }, 1500);
    });
    window.portalUppy = uppy;
  }

  function start() {
    var root = document.getElementById("uploader");
    if (root) ensureUppy(function () { mount(root); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
