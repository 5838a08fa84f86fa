/* Browser side of SNT Web's slice views.
 *
 * Pure view interactions run here, without a server round trip: the cursor
 * (sliders and clicks), slice image URLs and crosshairs, and the slice planes
 * of the 3D view. Plane layout (see snt_web/web/views/ortho.py):
 *   xy: horizontal x, vertical y, slider z
 *   xz: horizontal x, vertical z, slider y
 *   zy: horizontal z, vertical y, slider x
 * The cursor holds voxel indices {z, y, x}; figures are in physical units.
 */
(function () {
  "use strict";
  var AXES = {xy: ["x", "y", "z"], xz: ["x", "z", "y"], zy: ["z", "y", "x"]};
  var INDEX = {z: 0, y: 1, x: 2};
  var PLANES = ["xy", "xz", "zy"];

  /* Physical position <-> voxel index along an axis of voxel size `step`: the
     one rule, mirrored from snt_web/model/coords.py (physical_to_voxel,
     voxel_to_physical). Voxel k sits at k * step (SNT's convention); a
     position goes to the nearest voxel, half a voxel to the higher index. */
  var coords = {
    toVoxel: function (um, step) { return Math.floor(um / step + 0.5); },
    toPhysical: function (index, step) { return index * step; }
  };

  function clampIndex(index, n) {
    return Math.max(0, Math.min(n - 1, index));
  }

  function centre(meta) {
    return {z: Math.floor(meta.shape[0] / 2), y: Math.floor(meta.shape[1] / 2), x: Math.floor(meta.shape[2] / 2)};
  }

  function sliceUrl(meta, plane, index, display) {
    return "/slice/" + meta.id + "/" + meta.image_revision + "/" + plane + "/" + index + ".png" +
      "?c=" + (display.c || 0) + "&t=" + (display.t || 0) +
      "&lo=" + display.lo + "&hi=" + display.hi;
  }

  var ns = {
    /* Inputs: three slider values, three click stores, project; state: cursor.
       Outputs: cursor, three slider values, three slider maxima. */
    cursor: function (sXY, sXZ, sZY, cXY, cXZ, cZY, meta, cursor) {
      var noUpdate = window.dash_clientside.no_update;
      if (!meta || !meta.shape) {
        return [null, 0, 0, 0, 0, 0, 0];
      }
      var ctx = window.dash_clientside.callback_context;
      var trig = (ctx.triggered && ctx.triggered.length) ? ctx.triggered[0].prop_id : "project.data";
      var sameImage = cursor && cursor.key === meta.id + "-" + meta.image_revision;
      var cur = sameImage ? {z: cursor.z, y: cursor.y, x: cursor.x} : centre(meta);
      var sliders = {xy: sXY, xz: sXZ, zy: sZY};
      var clicks = {xy: cXY, xz: cXZ, zy: cZY};
      PLANES.forEach(function (plane) {
        var normal = AXES[plane][2];
        if (trig === "view-" + plane + "-slider.value" && sameImage && sliders[plane] !== null) {
          cur[normal] = clampIndex(coords.toVoxel(sliders[plane], 1), meta.shape[INDEX[normal]]);
        }
        if (trig === "view-" + plane + "-click.data" && clicks[plane] && sameImage) {
          var h = AXES[plane][0], v = AXES[plane][1];
          cur[h] = clampIndex(coords.toVoxel(clicks[plane].h, meta.spacing[INDEX[h]]), meta.shape[INDEX[h]]);
          cur[v] = clampIndex(coords.toVoxel(clicks[plane].v, meta.spacing[INDEX[v]]), meta.shape[INDEX[v]]);
        }
      });
      cur.key = meta.id + "-" + meta.image_revision;
      var values = PLANES.map(function (p) { return cur[AXES[p][2]]; });
      var maxima = PLANES.map(function (p) { return meta.shape[INDEX[AXES[p][2]]] - 1; });
      return [cur].concat(values, maxima);
    },

    /* Inputs: base figure, cursor, display, path lines, tracing state,
       probability-map layers; state: project, plane. Outputs: the figure with
       slice image (and map layers), paths, candidate and crosshair; the readout. */
    sliceFigure: function (base, cursor, display, lines, trace, overlay, meta, plane, seeds) {
      if (!base) { return [window.dash_clientside.no_update, ""]; }
      var fig = {data: base.data, layout: Object.assign({}, base.layout)};
      if (!meta || !meta.shape || !cursor || !display || !base.layout.images) {
        return [fig, ""];
      }
      var h = AXES[plane][0], v = AXES[plane][1], normal = AXES[plane][2];
      var sp = meta.spacing;
      var index = cursor[normal];
      fig.data = base.data.concat(display.paths === false ? [] : projectedLines(lines, plane),
        tracingTraces(trace, plane, false));
      fig.data = fig.data.concat(radiusCircles(lines, plane, cursor, meta));
      fig.data = fig.data.concat(seedTraces(seeds, plane, index, meta));
      var image = Object.assign({}, base.layout.images[0], {source: sliceUrl(meta, plane, index, display)});
      fig.layout.images = mapLayers(image, overlay, plane, index);
      var shapes = base.layout.shapes.map(function (s) { return Object.assign({}, s); });
      shapes[0].x0 = shapes[0].x1 = coords.toPhysical(cursor[h], sp[INDEX[h]]);
      shapes[1].y0 = shapes[1].y1 = coords.toPhysical(cursor[v], sp[INDEX[v]]);
      fig.layout.shapes = shapes;
      paintLayout(fig.layout, plane);
      var readout = normal + " = " + index + " / " + (meta.shape[INDEX[normal]] - 1) +
        "  (" + coords.toPhysical(index, sp[INDEX[normal]]).toFixed(2) + " " + meta.units + ")";
      return [fig, readout];
    },

    /* The 3D view: the base figure (bounds, isosurface) plus the paths, the
       candidate path and outlines of the three planes through the cursor. */
    figure3d: function (base, lines, cursor, trace, meta, seeds) {
      if (!base) { return window.dash_clientside.no_update; }
      var data = base.data.concat(lines3d(lines), tracingTraces(trace, null, true), seeds3d(seeds));
      data = data.concat(radiusTubes(lines));
      if (!meta || !meta.shape || !cursor) { return {data: data, layout: base.layout}; }
      var sp = meta.spacing, sh = meta.shape;
      var ext = {x: coords.toPhysical(sh[2] - 1, sp[2]), y: coords.toPhysical(sh[1] - 1, sp[1]),
                 z: coords.toPhysical(sh[0] - 1, sp[0])};
      var at = {x: coords.toPhysical(cursor.x, sp[2]), y: coords.toPhysical(cursor.y, sp[1]),
                z: coords.toPhysical(cursor.z, sp[0])};
      var xs = [], ys = [], zs = [];
      function loop(points) {
        points.forEach(function (p) { xs.push(p[0]); ys.push(p[1]); zs.push(p[2]); });
        xs.push(null); ys.push(null); zs.push(null);
      }
      loop([[0, 0, at.z], [ext.x, 0, at.z], [ext.x, ext.y, at.z], [0, ext.y, at.z], [0, 0, at.z]]);
      loop([[0, at.y, 0], [ext.x, at.y, 0], [ext.x, at.y, ext.z], [0, at.y, ext.z], [0, at.y, 0]]);
      loop([[at.x, 0, 0], [at.x, ext.y, 0], [at.x, ext.y, ext.z], [at.x, 0, ext.z], [at.x, 0, 0]]);
      var planes = {
        type: "scatter3d", mode: "lines", name: "slice planes", hoverinfo: "skip",
        x: xs, y: ys, z: zs, line: {color: "rgba(255, 200, 0, 0.6)", width: 2}, showlegend: false
      };
      return {data: data.concat([planes]), layout: base.layout};
    }
  };

  /* Probability-map layers (the maps panel's `overlay` store: a list, bottom
     first) drawn in order over the slice image, each in its colormap, window
     and opacity; a layer marked opaque is drawn instead of everything beneath
     it. Plotly keys layout images by their placement alone ([xref, x, sizex,
     yref, y, sizey] in src/components/images/draw.js; not by source or name),
     and its keyed d3 data join drops an image whose key another image already
     holds: a layer placed exactly on the slice would never be drawn. So each
     image is made wider by a millionth of the slice's width per place in the
     list (a thousandth of a pixel per layer on a view 1000 px wide): every key
     differs, and what is drawn does not move. */
  var LAYER_KEY_STEP = 1e-6;
  function mapLayers(image, layers, plane, index) {
    var images = [image];
    (layers || []).forEach(function (layer) {
      var source = layer.url + "/" + plane + "/" + index + ".png?lo=" + layer.lo + "&hi=" + layer.hi +
        "&cmap=" + layer.cmap;
      if (layer.opaque) {
        images = [];
        source += "&opaque=1";
      }
      images.push(Object.assign({}, image, {source: source, opacity: layer.opaque ? 1 : layer.opacity}));
    });
    images.forEach(function (im, k) { im.sizex = image.sizex * (1 + k * LAYER_KEY_STEP); });
    return images;
  }

  /* Paths drawn on a slice view: the path-lines groups projected onto the
     plane (a slider move redraws the figure, so the projection is cached per
     groups object). Nodes of selected paths are drawn as markers, for editing. */
  var projected = {lines: null, planes: {}};
  function projectedLines(lines, plane) {
    if (!lines) { return []; }
    if (projected.lines !== lines) { projected = {lines: lines, planes: {}}; }
    if (!projected.planes[plane]) {
      var h = AXES[plane][0], v = AXES[plane][1];
      projected.planes[plane] = lines.map(function (g) {
        return {
          type: "scatter", mode: g.selected ? "lines+markers" : "lines", name: "paths",
          x: g[h], y: g[v], text: g.text, hoverinfo: "text",
          line: {color: g.color, width: g.selected ? 2.5 : 1.5},
          marker: {size: 5, color: g.color}, showlegend: false
        };
      });
    }
    return projected.planes[plane];
  }

  function lines3d(lines) {
    return (lines || []).map(function (g) {
      return {
        type: "scatter3d", mode: "lines", name: "paths", x: g.x, y: g.y, z: g.z, text: g.text,
        hoverinfo: "text", line: {color: g.color, width: g.width}, showlegend: false
      };
    });
  }

  /* Radii (fitted or read): on a slice view, a circle of each node's radius
     around nodes within their radius (or half a voxel) of the slice, at
     most one per radius along a path; in
     3D, a tube of the nodes' radii around each path. The path-lines groups
     carry them as "r" (physical, null where unknown). */
  var CIRCLE = 20;
  function radiusCircles(lines, plane, cursor, meta) {
    if (!lines || !cursor || !meta || !meta.spacing) { return []; }
    var h = AXES[plane][0], v = AXES[plane][1], normal = AXES[plane][2];
    var step = meta.spacing[INDEX[normal]], at = coords.toPhysical(cursor[normal], step);
    var out = [];
    lines.forEach(function (g) {
      if (!g.r) { return; }
      var xs = [], ys = [], last = null;
      for (var i = 0; i < g.r.length; i++) {
        var r = g.r[i];
        if (r === null || g[normal][i] === null || Math.abs(g[normal][i] - at) > Math.max(r, step / 2)) {
          last = null;
          continue;
        }
        // Along a path in the plane, nodes closer than a radius to the last
        // circle drawn would pile their circles into a solid band.
        if (last && Math.hypot(g[h][i] - last[0], g[v][i] - last[1]) < r) { continue; }
        last = [g[h][i], g[v][i]];
        for (var k = 0; k <= CIRCLE; k++) {
          var a = 2 * Math.PI * k / CIRCLE;
          xs.push(g[h][i] + r * Math.cos(a));
          ys.push(g[v][i] + r * Math.sin(a));
        }
        xs.push(null); ys.push(null);
      }
      if (xs.length) {
        out.push({type: "scatter", mode: "lines", name: "radii", x: xs, y: ys, hoverinfo: "skip",
                  line: {color: g.color, width: 1}, showlegend: false});
      }
    });
    return out;
  }

  var tubes = {lines: null, traces: []};
  var RING = 8;
  function radiusTubes(lines) {
    if (!lines) { return []; }
    if (tubes.lines === lines) { return tubes.traces; }
    var traces = [];
    lines.forEach(function (g) {
      if (!g.r) { return; }
      var m = {x: [], y: [], z: [], i: [], j: [], k: []};
      var run = [];
      for (var n = 0; n <= g.r.length; n++) {
        if (n < g.r.length && g.r[n] !== null && g.x[n] !== null) { run.push(n); continue; }
        if (run.length > 1) { tubeMesh(g, run, m); }
        run = [];
      }
      if (m.x.length) {
        traces.push({type: "mesh3d", name: "tubes", x: m.x, y: m.y, z: m.z, i: m.i, j: m.j, k: m.k,
                     color: g.color, opacity: 0.45, flatshading: true, hoverinfo: "skip", showlegend: false});
      }
    });
    tubes = {lines: lines, traces: traces};
    return traces;
  }

  /* Rings of RING vertices around the nodes of one run, perpendicular to the
     local direction, joined ring to ring by triangles. */
  function tubeMesh(g, run, m) {
    var first = m.x.length / RING;
    run.forEach(function (n, q) {
      var p = run[Math.max(q - 1, 0)], s = run[Math.min(q + 1, run.length - 1)];
      var t = [g.x[s] - g.x[p], g.y[s] - g.y[p], g.z[s] - g.z[p]];
      var tn = Math.hypot(t[0], t[1], t[2]) || 1;
      t = [t[0] / tn, t[1] / tn, t[2] / tn];
      var helper = Math.abs(t[2]) > 0.9 ? [0, 1, 0] : [0, 0, 1];
      var a = [t[1] * helper[2] - t[2] * helper[1], t[2] * helper[0] - t[0] * helper[2],
               t[0] * helper[1] - t[1] * helper[0]];
      var an = Math.hypot(a[0], a[1], a[2]) || 1;
      a = [a[0] / an, a[1] / an, a[2] / an];
      var b = [a[1] * t[2] - a[2] * t[1], a[2] * t[0] - a[0] * t[2], a[0] * t[1] - a[1] * t[0]];
      for (var k = 0; k < RING; k++) {
        var ang = 2 * Math.PI * k / RING, c = Math.cos(ang) * g.r[n], d = Math.sin(ang) * g.r[n];
        m.x.push(g.x[n] + c * a[0] + d * b[0]);
        m.y.push(g.y[n] + c * a[1] + d * b[1]);
        m.z.push(g.z[n] + c * a[2] + d * b[2]);
      }
      if (q === 0) { return; }
      var r0 = (first + q - 1) * RING, r1 = (first + q) * RING;
      for (var e = 0; e < RING; e++) {
        var f = (e + 1) % RING;
        m.i.push(r0 + e, r0 + f);
        m.j.push(r0 + f, r1 + f);
        m.k.push(r1 + e, r1 + e);
      }
    });
  }

  /* What tracing adds: the candidate path (cyan), the point tracing goes on
     from (green), the fork point (orange) and the node picked for editing
     (red). Points are physical [x, y, z]. */
  var TRACING_STYLE = {
    candidate: {color: "#00e5ff", mode: "lines+markers", size: 3},
    anchor: {color: "#39ff14", mode: "markers", size: 10},
    fork: {color: "#ff9f1a", mode: "markers", size: 12},
    node: {color: "#ff3b3b", mode: "markers", size: 12}
  };
  function tracingTraces(trace, plane, in3d) {
    if (!trace) { return []; }
    var out = [];
    Object.keys(TRACING_STYLE).forEach(function (name) {
      var pts = trace[name];
      if (!pts) { return; }
      if (name !== "candidate") { pts = [pts.xyz || pts]; }
      var style = TRACING_STYLE[name];
      var col = {x: [], y: [], z: []};
      pts.forEach(function (p) { col.x.push(p[0]); col.y.push(p[1]); col.z.push(p[2]); });
      var t = {
        name: name, mode: style.mode, hoverinfo: "skip", showlegend: false,
        line: {color: style.color, width: in3d ? 5 : 2},
        marker: {color: style.color, size: in3d ? style.size / 2 : style.size,
                 symbol: name === "node" ? "circle-open" : "circle", line: {width: 2, color: style.color}}
      };
      if (in3d) {
        Object.assign(t, {type: "scatter3d", x: col.x, y: col.y, z: col.z});
      } else {
        Object.assign(t, {type: "scatter", x: col[AXES[plane][0]], y: col[AXES[plane][1]]});
      }
      out.push(t);
    });
    return out;
  }

  /* Painting background marks: while on, a drag on a slice view draws a
     freehand stroke (Plotly's drawopenpath) about as wide as the brush, and
     the classifier panel's server callback turns it into a mark. The state
     lives here, so that figures rebuilt on a slider move keep the mode. */
  var paint = null;  // {radius: physical units} while painting
  var PAINT_COLOR = "rgba(255, 90, 90, 0.55)";
  function paintLayout(layout, plane) {
    if (!paint) { return; }
    var gd = document.querySelector("#view-" + plane + " .js-plotly-plot");
    var xa = gd && gd._fullLayout && gd._fullLayout.xaxis;
    var pxPerUnit = xa && xa._length ? Math.abs(xa._length / (xa.range[1] - xa.range[0])) : 1;
    layout.dragmode = "drawopenpath";
    layout.newshape = {line: {color: PAINT_COLOR, width: Math.max(2, 2 * paint.radius * pxPerUnit)}};
  }
  ns.paintMode = function (on, radius) {
    paint = on && on.length && radius > 0 ? {radius: radius} : null;
    PLANES.forEach(function (plane) {
      var gd = document.querySelector("#view-" + plane + " .js-plotly-plot");
      if (!gd || !gd._fullLayout) { return; }
      var layout = {dragmode: "pan"};
      paintLayout(layout, plane);
      window.Plotly.relayout(gd, layout);
    });
    return paint ? "Drag on a slice to paint background (brush radius " + radius + ")." : "";
  };

  /* Seeds (the seeds panel's `seed-marks` store, columns x, y, z, r, color,
     mark, id; physical units). A slice view shows the seeds within
     SEED_DEPTH slices of its plane, fading with distance as SNT does; circle
     size is the radius at the current zoom (at least 6 px). Rejected seeds
     are crosses, accepted ones diamonds. */
  var SEED_DEPTH = 8;
  var SEED_SYMBOLS = {"-1": "x-thin-open", "0": "circle-open", "1": "diamond-open"};
  function seedTraces(seeds, plane, index, meta) {
    if (!seeds || !seeds.id || !seeds.id.length || !meta || !meta.spacing) { return []; }
    var h = AXES[plane][0], v = AXES[plane][1], normal = AXES[plane][2];
    var step = meta.spacing[INDEX[normal]], at = coords.toPhysical(index, step);
    var gd = document.querySelector("#view-" + plane + " .js-plotly-plot");
    var xa = gd && gd._fullLayout && gd._fullLayout.xaxis;
    var pxPerUnit = xa && xa._length ? Math.abs(xa._length / (xa.range[1] - xa.range[0])) : 1;
    var t = {type: "scatter", mode: "markers", name: "seeds", x: [], y: [], text: [], hoverinfo: "text",
             showlegend: false, marker: {color: [], size: [], opacity: [], symbol: [], line: {width: 2, color: []}}};
    for (var i = 0; i < seeds.id.length; i++) {
      var slices = Math.abs(seeds[normal][i] - at) / step;
      if (slices > SEED_DEPTH) { continue; }
      t.x.push(seeds[h][i]); t.y.push(seeds[v][i]);
      t.text.push("seed " + seeds.id[i]);
      t.marker.color.push(seeds.color[i]); t.marker.line.color.push(seeds.color[i]);
      t.marker.size.push(Math.max(6, 2 * seeds.r[i] * pxPerUnit));
      t.marker.opacity.push(1 - 0.8 * slices / SEED_DEPTH);
      t.marker.symbol.push(SEED_SYMBOLS[String(seeds.mark[i])]);
    }
    return t.x.length ? [t] : [];
  }
  function seeds3d(seeds) {
    if (!seeds || !seeds.id || !seeds.id.length) { return []; }
    return [{
      type: "scatter3d", mode: "markers", name: "seeds", x: seeds.x, y: seeds.y, z: seeds.z, hoverinfo: "text",
      text: seeds.id.map(function (id) { return "seed " + id; }), showlegend: false,
      marker: {color: seeds.color, size: seeds.r.map(function (r) { return Math.min(12, Math.max(3, r)); }),
               opacity: 0.8}
    }];
  }
  /* In "click adds a seed" mode, a click on a slice goes to the seeds panel. */
  function seedClick(plane, h, v) {
    var on = document.querySelector("#seeds-add-mode input:checked");
    if (on) {
      window.dash_clientside.set_props("seeds-click", {data: {plane: plane, h: h, v: v, at: Date.now()}});
    }
  }

  /* A share link: project, cursor position (physical units), the XY view's
     zoom relative to the whole plane, the first selected path. */
  ns.shareLink = function (_clicks, cursor, meta, selectedRows) {
    if (!meta || !cursor || !meta.shape) { return ""; }
    var sp = meta.spacing;
    var args = new URLSearchParams({
      project: meta.id,
      x: +coords.toPhysical(cursor.x, sp[2]).toFixed(4), y: +coords.toPhysical(cursor.y, sp[1]).toFixed(4),
      z: +coords.toPhysical(cursor.z, sp[0]).toFixed(4)
    });
    var host = document.getElementById("view-xy");
    var gd = host && host.querySelector(".js-plotly-plot");
    if (gd && gd._fullLayout && gd._fullLayout.xaxis) {
      var r = gd._fullLayout.xaxis.range;
      var zoom = (meta.shape[2] * sp[2]) / Math.abs(r[1] - r[0]);
      if (zoom > 1.01) { args.set("zoom", zoom.toPrecision(3)); }
    }
    if (selectedRows && selectedRows.length) { args.set("path", selectedRows[0].id); }
    return window.location.origin + window.location.pathname + "?" + args.toString();
  };

  ns.coords = coords;  // for the test that it agrees with the Python rule
  window.dash_clientside = Object.assign({}, window.dash_clientside, {snt_web: ns});

  /* Clicks on a slice view: Plotly reports clicks only on data points, and a
     slice is a layout image, so read the position from the drag layer and the
     axes' pixel-to-data transforms. A drag (pan) is not a click. */
  var down = null;
  document.addEventListener("mousedown", function (e) { down = [e.clientX, e.clientY]; }, true);
  document.addEventListener("click", function (e) {
    var drag = e.target.closest && e.target.closest(".nsewdrag");
    if (!drag) { return; }
    var host = drag.closest(".snt-slice-view");
    if (!host || !host.id) { return; }
    if (down && Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 4) { return; }
    var gd = drag.closest(".js-plotly-plot");
    var fl = gd && gd._fullLayout;
    if (!fl || !fl.xaxis || !fl.yaxis) { return; }
    var r = drag.getBoundingClientRect();
    var h = fl.xaxis.p2d(e.clientX - r.left), v = fl.yaxis.p2d(e.clientY - r.top);
    window.dash_clientside.set_props(host.id + "-click", {data: {h: h, v: v, at: Date.now()}});
    seedClick(host.id.slice(5), h, v);
    // Tracing and editing listen to clicks only when a mode wants them (or
    // for an Alt-click fork), so navigating costs no server round trip.
    var mode = document.querySelector("#trace-mode input:checked");
    if ((mode && mode.value !== "navigate") || e.altKey) {
      window.dash_clientside.set_props("trace-click", {
        data: {plane: host.id.slice(5), h: h, v: v, alt: e.altKey, at: Date.now()}
      });
    }
  });

  /* SNT's keys: Y keep, N junk, F finish, Ctrl+Z undo, Ctrl+Shift+Z (or
     Ctrl+Y) redo. They press the panel's buttons, so keys and clicks share one
     code path. Typing in a text field is left alone. */
  var KEYS = {y: "trace-keep", n: "trace-junk", f: "trace-finish", escape: "trace-junk"};
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.isContentEditable || /^(TEXTAREA|SELECT)$/.test(t.tagName) ||
      (t.tagName === "INPUT" && !/^(radio|checkbox|button|range)$/.test(t.type)));
    if (typing) { return; }
    var key = (e.key || "").toLowerCase(), id = null;
    if (e.ctrlKey || e.metaKey) {
      if (key === "z") { id = e.shiftKey ? "trace-redo" : "trace-undo"; } else if (key === "y") { id = "trace-redo"; }
    } else if (!e.altKey) {
      id = KEYS[key] || null;
    }
    var button = id && document.getElementById(id);
    if (button && !button.disabled) {
      e.preventDefault();
      button.click();
    }
  });
})();

/* dcc.Upload drops files over its max_size without a word: say so. */
(function () {
  "use strict";
  function checkSizes(files) {
    var limitEl = document.getElementById("upload-limit");
    if (!limitEl || !files) { return; }
    var limit = Number(limitEl.getAttribute("data-bytes"));
    Array.prototype.forEach.call(files, function (f) {
      if (f.size > limit) {
        window.dash_clientside.set_props("files-message", {
          children: "Could not open: " + f.name + ": " + (f.size / 1048576).toFixed(1) +
            " MB is larger than the upload limit of " + (limit / 1048576).toFixed(0) + " MB. Nothing was changed.",
          className: "snt-message snt-error"
        });
      }
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.closest && e.target.closest("#upload")) { checkSizes(e.target.files); }
  }, true);
  document.addEventListener("drop", function (e) {
    if (e.target.closest && e.target.closest("#upload") && e.dataTransfer) { checkSizes(e.dataTransfer.files); }
  }, true);
})();
