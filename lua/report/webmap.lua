-- report.webmap: an interactive map (Leaflet, inlined into the page by report.page) over
-- OpenStreetMap tiles, with the model's layers as overlays that can be switched on and off, a
-- popup on every feature listing its values, a tooltip naming it, and a legend. Offline (no
-- tiles) the overlays stay on a plain background and the page says the base map is unavailable.
--
--   local wm = report.webmap{title = "Routing plan", height = 560, layers = {
--       {name = "routes", features = {report.linestring(...), ...}, colors = {...} | color = "#555",
--        weights = {...} | weight = 2, opacity = 0.7, label = {...} | key, fields = {...},
--        link = {...}, link_to = "ERs"},
--       {name = "ERs", features = {report.point(...), ...}, radii = {...} | radius = 6, stroke = "#000",
--        fill_opacity = 0.9, show = true, ...}},
--     legend = {{label = "ER", color = "#888", kind = "circle"|"line"|"rect"}, ...},
--     colorbar = {label = "utilisation", unit = "%", min = 0, max = 100, colors = report.color.sequential},
--     note = "one line under the map"}
--   report.page{sections = {{heading = "Map", webmap = wm, svg = static_svg_map}}}
--
-- features are report.point / linestring / polygon / cell features (lon/lat); their geometry is
-- drawn (points as circles). fields = {{title, key | fn(props, i), format}, ...} builds each
-- popup from the feature's properties: format is a string.format pattern, "pct" (a share shown
-- as a percentage, 1 decimal), "pct0", "int" or a function(v) -> text; the title carries the unit
-- ("minutes", "share of ZIP's patients (%)"). label is the tooltip text per feature (a list) or
-- the property key to show. link / link_to: hovering feature i highlights the features of the
-- layer named link_to whose link value equals link[i] (e.g. an ER and its routes).
--
-- planar = true: the features' coordinates are planar x/y (an instance without geography), drawn
-- on a plain background without tiles; make their features with M.planar_point / M.planar_polygon.
--
-- The tile URL is EMSOPT_TILES (a Leaflet template such as http://127.0.0.1:8080/{z}/{x}/{y}.png;
-- "none" for no base map) or else the OpenStreetMap standard tiles, attributed "© OpenStreetMap
-- contributors". report.page{tiles = URL} overrides both for one page.
local chart = require "report.chart"
local gj = require "report.geojson"
local json = require "json"

local M = {}
local fmt = string.format

M.OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

local MAP_KEYS = chart.set{"title", "layers", "legend", "colorbar", "height", "note", "planar"}
local LAYER_KEYS = chart.set{"name", "features", "color", "colors", "radius", "radii", "weight", "weights", "opacity",
  "fill_opacity", "stroke", "fields", "label", "show", "dash", "link", "link_to"}

-- a value as popup text
local function format_value(v, f)
  if v == nil then return nil end
  if type(f) == "function" then return f(v) end
  if type(v) == "boolean" then return v and "yes" or "no" end
  if type(v) ~= "number" then return tostring(v) end
  if v ~= v then return "n/a" end
  if v == math.huge then return "∞" end
  if f == "pct" then return fmt("%.1f %%", 100 * v) end
  if f == "pct0" then return fmt("%.0f %%", 100 * v) end
  if f == "int" then return fmt("%d", math.floor(v + 0.5)) end
  if f then return fmt(f, v) end
  return require("report.html").readable(v)
end
M.format_value = format_value

local function per(v, i) if type(v) == "table" then return v[i] end return v end

-- a list of per-feature values, or the shared value, kept compact in the page
local function compact(list, n, shared)
  if list == nil then return shared end
  if #list ~= n then return nil, fmt("%d values for %d features", #list, n) end
  return list
end

function M.webmap(o)
  chart.check_opts(o, MAP_KEYS, "report.webmap")
  assert(type(o.layers) == "table" and #o.layers > 0, "report.webmap: layers must be a non-empty list")
  local layers, names = {}, {}
  for li, l in ipairs(o.layers) do
    if type(l) ~= "table" then error(fmt("report.webmap: layer %d must be a table", li), 2) end
    for k in pairs(l) do
      if not LAYER_KEYS[k] then error(fmt("report.webmap: layer %d: unknown key '%s'", li, tostring(k)), 2) end
    end
    if type(l.name) ~= "string" or l.name == "" then error(fmt("report.webmap: layer %d needs a name", li), 2) end
    if type(l.features) ~= "table" then error(fmt("report.webmap: layer %d (%s): features must be a list", li, l.name), 2) end
    names[l.name] = li
    local n = #l.features
    local geoms, popups, labels = {}, {}, {}
    for i, f in ipairs(l.features) do
      if type(f) ~= "table" or f.type ~= "Feature" or type(f.geometry) ~= "table" then
        error(fmt("report.webmap: layer %d (%s): feature %d is not a Feature (use report.point/linestring/polygon/cell)",
          li, l.name, i), 2)
      end
      geoms[i] = gj.geometry_text(f.geometry)
      local p = f.properties or {}
      if l.fields then
        local rows = {}
        for _, fd in ipairs(l.fields) do
          local v
          if type(fd[2]) == "function" then v = fd[2](p, i) else v = p[fd[2]] end
          local s = format_value(v, fd[3])
          if s then rows[#rows + 1] = {fd[1], s} end
        end
        popups[i] = rows
      end
      if type(l.label) == "string" then
        local v = p[l.label]
        labels[i] = v ~= nil and tostring(v) or ""
      elseif type(l.label) == "table" then
        labels[i] = tostring(l.label[i] or "")
      end
    end
    local L = {name = l.name, show = l.show ~= false, opacity = l.opacity, fillOpacity = l.fill_opacity,
      stroke = l.stroke, dash = l.dash}
    local err
    L.color, err = compact(l.colors, n, l.color)
    if err then error(fmt("report.webmap: layer %d (%s): colors: %s", li, l.name, err), 2) end
    L.radius, err = compact(l.radii, n, l.radius)
    if err then error(fmt("report.webmap: layer %d (%s): radii: %s", li, l.name, err), 2) end
    L.weight, err = compact(l.weights, n, l.weight)
    if err then error(fmt("report.webmap: layer %d (%s): weights: %s", li, l.name, err), 2) end
    if l.fields then L.popup = popups end
    if l.label then L.label = labels end
    if l.link then
      if #l.link ~= n then error(fmt("report.webmap: layer %d (%s): link: %d values for %d features", li, l.name, #l.link, n), 2) end
      local t = {}
      for i = 1, n do t[i] = tostring(l.link[i]) end
      L.link = t
      L.linkTo = l.link_to
    end
    layers[li] = {meta = L, geoms = geoms}
  end
  for li, l in ipairs(o.layers) do
    if l.link_to and not names[l.link_to] then
      error(fmt("report.webmap: layer %d (%s): link_to names no layer: %s", li, l.name, tostring(l.link_to)), 2)
    end
    if l.link and not l.link_to then
      -- a link within the layer itself
      layers[li].meta.linkTo = l.name
    end
  end
  local legend = {}
  for i, e in ipairs(o.legend or {}) do
    legend[i] = {label = tostring(e.label), color = e.color or "#888888", kind = e.kind or "rect", stroke = e.stroke}
  end
  local colorbar
  if o.colorbar then
    local cb = o.colorbar
    assert(type(cb.min) == "number" and type(cb.max) == "number", "report.webmap: colorbar needs min and max")
    local ramp = cb.colors or require("report.color").sequential
    local stops = {}
    for k = 0, 8 do stops[#stops + 1] = ramp(k / 8) end
    colorbar = {label = chart.axis_title(cb.label or "value", cb.unit), min = format_value(cb.min, cb.format),
      max = format_value(cb.max, cb.format), stops = stops}
  end
  return {_webmap = true, title = o.title, height = o.height or 560, layers = layers, legend = legend,
    colorbar = colorbar, note = o.note, planar = o.planar and true or nil}
end

-- features in planar x/y (no lon/lat range check), for webmap{planar = true}
function M.planar_point(x, y, props)
  assert(type(x) == "number" and type(y) == "number", "report.webmap: a planar point needs x and y")
  return {type = "Feature", geometry = {type = "Point", coordinates = {x, y}}, properties = props or {}}
end

-- JSON text safe inside a <script> in both HTML and XHTML: no "<", ">" (so no "</script" and no
-- "]]>"); they only occur inside strings, where \u escapes mean the same
local function script_json(s)
  return (s:gsub("[<>]", function(c) return c == "<" and "\\u003c" or "\\u003e" end))
end

-- the map's data as a JavaScript object literal (JSON)
function M.data_text(wm, id, tiles)
  local parts = {}
  for i, l in ipairs(wm.layers) do
    local meta = json.encode(l.meta)
    parts[i] = meta:sub(1, -2) .. (meta == "{}" and "" or ",") .. '"geoms":[\n' .. table.concat(l.geoms, ",\n") .. "]}"
  end
  local head = json.encode{id = id, title = wm.title, legend = wm.legend, colorbar = wm.colorbar,
    tiles = (not wm.planar and tiles) or false, planar = wm.planar, note = wm.note}
  return script_json(head:sub(1, -2) .. ',"layers":[\n' .. table.concat(parts, ",\n") .. "]}")
end

-- the base map's tile URL: the page's option, else EMSOPT_TILES, else OpenStreetMap; nil for none
function M.tiles(opt)
  local t = opt or os.getenv("EMSOPT_TILES")
  if t == nil or t == "" then t = M.OSM_TILES end
  if t == "none" then return nil end
  return t
end

-- Leaflet's stylesheet without its image references (the layer control is always expanded and
-- markers are drawn as circles, so none of the images is used; the page loads nothing)
function M.leaflet_css()
  local css = require("report.leaflet_assets").css
  return (css:gsub("url%(images/[^)]*%)", "none"):gsub("/%*# sourceMappingURL=[^*]*%*/", ""))
end

-- Leaflet's script without its source-map comment (nothing for a browser to fetch)
function M.leaflet_js()
  return (require("report.leaflet_assets").js:gsub("\n?//# sourceMappingURL=[^\n]*%s*$", "\n"))
end

M.CSS = [[
.webmap { height: 560px; border: 1px solid #ccc; margin: 8px 0; background: #eef1f4; }
.webmap .leaflet-container, .leaflet-container { background: #eef1f4; font: 12px/1.4 "DejaVu Sans", Helvetica, Arial, sans-serif; }
.webmap-note { color: #555; font-size: 12px; margin: 2px 0 8px; }
.webmap-offline { background: #fff3cd; color: #664d03; padding: 3px 6px; border: 1px solid #e0c36b; }
.wm-legend { background: rgba(255,255,255,0.92); padding: 6px 8px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-height: 300px; overflow-y: auto; max-width: 340px; }
.wm-legend b { display: block; margin-bottom: 3px; }
.wm-legend div { margin: 1px 0; }
.wm-sw { display: inline-block; width: 14px; height: 10px; margin-right: 5px; vertical-align: middle; border: 1px solid rgba(0,0,0,0.35); }
.wm-sw.circle { border-radius: 50%; width: 10px; }
.wm-sw.line { height: 0; border: 0; border-top: 3px solid; }
.wm-bar { height: 10px; width: 180px; border: 1px solid #555; margin: 2px 0; }
.wm-popup td { padding: 1px 6px 1px 0; vertical-align: top; }
.wm-popup td.v { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
details.static-map summary { cursor: pointer; color: #345; font-size: 13px; }
@media print { .webmap, .webmap-note { display: none; } details.static-map > summary { display: none; } }
]]

-- draws every map of the page; records what happened on <body> (data-maps: maps drawn,
-- data-tiles-loaded: base-map tiles loaded; script errors on <html data-js-errors>) so a headless
-- browser's DOM shows it
M.JS = [==[
(function () {
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function pick(v, i, d) { return v == null ? d : (Array.isArray(v) ? (v[i] == null ? d : v[i]) : v); }
  function ll(c) { return [c[1], c[0]]; }
  function legendHtml(m) {
    var h = '';
    if (m.colorbar) {
      var cb = m.colorbar;
      h += '<b>' + esc(cb.label) + '</b><div class="wm-bar" style="background: linear-gradient(to right, ' +
        cb.stops.join(', ') + ')"></div><div><span>' + esc(cb.min) + '</span><span style="float: right">' +
        esc(cb.max) + '</span></div>';
    }
    m.legend.forEach(function (e) {
      var st = e.kind === 'line' ? 'border-top-color: ' + e.color : 'background: ' + e.color +
        (e.stroke ? '; border-color: ' + e.stroke : '');
      h += '<div><span class="wm-sw ' + esc(e.kind) + '" style="' + st + '"></span>' + esc(e.label) + '</div>';
    });
    return h;
  }
  function draw(m) {
    var el = document.getElementById(m.id);
    el.textContent = '';
    var map = L.map(el, m.planar ? {crs: L.CRS.Simple, zoomSnap: 0.25, minZoom: -20} : {zoomSnap: 0.25});
    var base = {}, over = {}, groups = {}, items = {}, bounds = null;
    if (m.tiles) {
      var tiles = L.tileLayer(m.tiles, {maxZoom: 19, crossOrigin: false,
        attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'});
      var warned = false;
      tiles.on('tileerror', function () {
        if (warned) return;
        warned = true;
        var n = document.getElementById(m.id + '-offline');
        if (n) n.textContent = 'Base map tiles could not be loaded (offline?): the layers are drawn on a plain background.';
        if (n) n.className = 'webmap-note webmap-offline';
      });
      tiles.on('tileload', function (e) {
        e.tile.className += ' emsopt-tile-ok';
        tilesOk += 1;
        document.body.setAttribute('data-tiles-loaded', String(tilesOk));
      });
      tiles.addTo(map);
      base['OpenStreetMap'] = tiles;
      base['Plain background'] = L.layerGroup();
    }
    m.layers.forEach(function (l, li) {
      var g = L.featureGroup(), list = [];
      l.geoms.forEach(function (geo, i) {
        var col = pick(l.color, i, '#333333'), w = pick(l.weight, i, 1.5), f;
        var cls = 'emsopt-feature emsopt-layer-' + li;
        if (geo.type === 'Point') {
          f = L.circleMarker(ll(geo.coordinates), {radius: pick(l.radius, i, 4), color: l.stroke || '#222222',
            weight: pick(l.weight, i, 1), fillColor: col, fillOpacity: l.fillOpacity == null ? 0.85 : l.fillOpacity,
            opacity: l.opacity == null ? 1 : l.opacity, className: cls});
        } else if (geo.type === 'LineString') {
          f = L.polyline(geo.coordinates.map(ll), {color: col, weight: w, opacity: l.opacity == null ? 0.7 : l.opacity,
            dashArray: l.dash || null, className: cls});
        } else {
          f = L.polygon(geo.coordinates.map(function (r) { return r.map(ll); }), {color: l.stroke || col, weight: w,
            fillColor: col, fillOpacity: l.fillOpacity == null ? 0.35 : l.fillOpacity,
            opacity: l.opacity == null ? 0.9 : l.opacity, className: cls});
        }
        var label = l.label ? l.label[i] : '';
        if (l.popup) {
          var rows = l.popup[i].map(function (r) {
            return '<tr><td>' + esc(r[0]) + '</td><td class="v">' + esc(r[1]) + '</td></tr>';
          }).join('');
          f.bindPopup('<div class="wm-popup">' + (label ? '<b>' + esc(label) + '</b>' : '') + '<table>' + rows + '</table></div>',
            {maxWidth: 360});
        }
        if (label) f.bindTooltip(esc(label), {sticky: geo.type !== 'Point'});
        f.emsoptStyle = {weight: f.options.weight, color: f.options.color, opacity: f.options.opacity};
        f.emsoptLink = l.link ? l.link[i] : null;
        f.on('mouseover', function () {
          f.setStyle({weight: f.emsoptStyle.weight + 2});
          if (f.emsoptLink !== null && items[l.linkTo]) {
            items[l.linkTo].forEach(function (x) {
              if (x.emsoptLink === f.emsoptLink) { x.setStyle({color: '#d62728', weight: x.emsoptStyle.weight + 2, opacity: 1}); if (x.bringToFront && map.hasLayer(x)) x.bringToFront(); }
            });
          }
        });
        f.on('mouseout', function () {
          f.setStyle(f.emsoptStyle);
          if (f.emsoptLink !== null && items[l.linkTo]) {
            items[l.linkTo].forEach(function (x) { if (x.emsoptLink === f.emsoptLink) x.setStyle(x.emsoptStyle); });
          }
        });
        list.push(f);
        g.addLayer(f);
      });
      items[l.name] = list;
      groups[l.name] = g;
      over[esc(l.name) + ' (' + l.geoms.length + ')'] = g;
      if (l.show) g.addTo(map);
      if (l.geoms.length > 0) {
        var b = g.getBounds();
        bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
      }
    });
    var ctl = L.control.layers(base, over, {collapsed: false}).addTo(map), lg = null;
    if (!m.planar) L.control.scale({imperial: false}).addTo(map);
    if (m.legend.length || m.colorbar) {
      lg = L.control({position: 'bottomleft'});
      lg.onAdd = function () {
        var d = L.DomUtil.create('div', 'wm-legend');
        d.innerHTML = legendHtml(m);
        L.DomEvent.disableClickPropagation(d);
        L.DomEvent.disableScrollPropagation(d);
        return d;
      };
      lg.addTo(map);
    }
    // the features clear of the legend (bottom left) and the layer control (top right)
    var padL = lg ? lg.getContainer().offsetWidth + 16 : 12, padR = ctl.getContainer().offsetWidth + 16;
    if (bounds) map.fitBounds(bounds, {paddingTopLeft: [padL, 12], paddingBottomRight: [padR, 12]}); else map.setView([0, 0], 2);
    // front to back: points over lines over areas
    m.layers.forEach(function (l) {
      if (l.geoms.length && l.geoms[0].type === 'Point' && map.hasLayer(groups[l.name])) groups[l.name].bringToFront();
    });
  }
  var drawn = 0, tilesOk = 0;
  (window.EMSOPT_MAPS || []).forEach(function (m) { draw(m); drawn += 1; });
  document.body.setAttribute('data-maps', String(drawn));
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details.static-map'), function (d) { d.open = true; });
  });
})();
]==]

return M
