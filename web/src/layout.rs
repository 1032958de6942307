//! Where nodes sit on the canvas: a circle for small clusters, a grid for large ones, and
//! wherever the user dragged them. Pure functions of the node list, so the layout is stable
//! from frame to frame.

use netsplit_core::collections::SortedMap;

use netsplit_core::protocol::NodeId;

/// The canvas's coordinate space (SVG viewBox units).
pub const WIDTH: f64 = 1000.0;
/// See [`WIDTH`].
pub const HEIGHT: f64 = 620.0;

/// Clusters larger than this are laid out on a grid instead of a circle.
pub const CIRCLE_NODES_MAX: usize = 24;

/// A node's centre in canvas units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Across.
    pub x: f64,
    /// Down.
    pub y: f64,
}

impl Point {
    /// The point a fraction `t` of the way from `self` to `other`.
    pub fn lerp(self, other: Point, t: f64) -> Point {
        Point {
            x: self.x + (other.x - self.x) * t,
            y: self.y + (other.y - self.y) * t,
        }
    }
}

/// The radius of a node's circle for a cluster of `count` nodes.
pub fn node_radius(count: usize) -> f64 {
    match count {
        0..=7 => 34.0,
        8..=15 => 26.0,
        16..=24 => 20.0,
        25..=100 => 12.0,
        _ => 6.0,
    }
}

/// The position of each node in `ids` (in order), with `dragged` overriding the automatic
/// layout (fractions of the canvas).
pub fn positions(ids: &[NodeId], dragged: &SortedMap<NodeId, (f64, f64)>) -> Vec<Point> {
    let count = ids.len();
    ids.iter()
        .enumerate()
        .map(|(index, id)| {
            if let Some(&(fx, fy)) = dragged.get(id) {
                return Point {
                    x: fx * WIDTH,
                    y: fy * HEIGHT,
                };
            }
            if count <= CIRCLE_NODES_MAX {
                circle(index, count)
            } else {
                grid(index, count)
            }
        })
        .collect()
}

fn circle(index: usize, count: usize) -> Point {
    if count == 1 {
        return Point {
            x: WIDTH / 2.0,
            y: HEIGHT / 2.0,
        };
    }
    let radius = HEIGHT * 0.38;
    // Start at the top and go clockwise, as a clock face reads.
    let (cos, sin) = unit_circle(index as f64 / count as f64 - 0.25);
    Point {
        x: WIDTH / 2.0 + radius * 1.25 * cos,
        y: HEIGHT / 2.0 + radius * sin,
    }
}

/// The cosine and sine of `turns` whole turns (one turn is 2π radians), to within 10^-9:
/// all drawing needs. On WebAssembly, `f64::sin` and `cos` are library code with a 5 KB
/// argument reduction; this reduces to a quarter turn with exact steps and sums the Taylor
/// series there (the first left-out term is below 10^-10 for angles up to π/2).
pub fn unit_circle(turns: f64) -> (f64, f64) {
    let turns = turns - turns.floor();
    let quarters = turns * 4.0;
    let quarter = quarters.floor();
    let angle = (quarters - quarter) * std::f64::consts::FRAC_PI_2;
    let square = angle * angle;
    // Horner's form of x - x^3/3! + ... - x^15/15! and 1 - x^2/2! + ... - x^14/14!.
    let (mut sin, mut cos) = (1.0, 1.0);
    for k in (1..=7).rev() {
        let n = 2.0 * k as f64;
        sin = 1.0 - square / (n * (n + 1.0)) * sin;
        cos = 1.0 - square / ((n - 1.0) * n) * cos;
    }
    let sin = angle * sin;
    match quarter as u8 {
        0 => (cos, sin),
        1 => (-sin, cos),
        2 => (-cos, -sin),
        _ => (sin, -cos),
    }
}

fn grid(index: usize, count: usize) -> Point {
    let aspect = WIDTH / HEIGHT;
    let columns = ((count as f64 * aspect).sqrt().ceil() as usize).max(1);
    let rows = count.div_ceil(columns).max(1);
    let (column, row) = (index % columns, index / columns);
    let margin = 30.0;
    let cell_w = (WIDTH - 2.0 * margin) / columns as f64;
    let cell_h = (HEIGHT - 2.0 * margin) / rows as f64;
    Point {
        x: margin + cell_w * (column as f64 + 0.5),
        y: margin + cell_h * (row as f64 + 0.5),
    }
}

/// Converts a point in canvas units to fractions of the canvas.
pub fn to_fraction(point: Point) -> (f64, f64) {
    (point.x / WIDTH, point.y / HEIGHT)
}
