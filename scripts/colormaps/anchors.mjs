/**
 * ColorBrewer 2.0 anchor colours (Cynthia A. Brewer, Pennsylvania State University), as published:
 * the 9-class sequential schemes and the 11-class diverging RdBu scheme, light/low end first as
 * listed by ColorBrewer. matplotlib's maps of the same names interpolate these evenly.
 */
export const COLORBREWER_ANCHORS = {
  Blues: ["f7fbff", "deebf7", "c6dbef", "9ecae1", "6baed6", "4292c6", "2171b5", "08519c", "08306b"],
  Greys: ["ffffff", "f0f0f0", "d9d9d9", "bdbdbd", "969696", "737373", "525252", "252525", "000000"],
  Reds: ["fff5f0", "fee0d2", "fcbba1", "fc9272", "fb6a4a", "ef3b2c", "cb181d", "a50f15", "67000d"],
  Greens: ["f7fcf5", "e5f5e0", "c7e9c0", "a1d99b", "74c476", "41ab5d", "238b45", "006d2c", "00441b"],
  Oranges: ["fff5eb", "fee6ce", "fdd0a2", "fdae6b", "fd8d3c", "f16913", "d94801", "a63603", "7f2704"],
  Purples: ["fcfbfd", "efedf5", "dadaeb", "bcbddc", "9e9ac8", "807dba", "6a51a3", "54278f", "3f007d"],
  RdBu: [
    "67001f",
    "b2182b",
    "d6604d",
    "f4a582",
    "fddbc7",
    "f7f7f7",
    "d1e5f0",
    "92c5de",
    "4393c3",
    "2166ac",
    "053061",
  ],
};

/**
 * Three anchors of matplotlib's float definitions are not the nearest double to n/255 but one or
 * two units in the last place away (they came from a different float computation). Exactness
 * needs the same doubles, so these anchors are given as decimal literals: [scheme][index] -> rgb.
 * Each still rounds to the ColorBrewer byte value listed above.
 */
export const FLOAT_ANCHOR_OVERRIDES = {
  Reds: {
    7: [0.6470588235294118, 0.058823529411764705, 0.08235294117647057],
    8: [0.403921568627451, 0, 0.05098039215686274],
  },
  Oranges: {
    7: [0.6509803921568628, 0.21176470588235294, 0.01176470588235294],
  },
};
