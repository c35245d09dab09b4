/** Write attention figure functions: exact matplotlib colormaps, matrix to PNG/SVG/SVGZ, plot figures. */
export const PACKAGE_NAME = "@pattern-lens/figure-util";
