"""Small statistics helpers."""
import math


def percentile(values, q):
    """Linear-interpolated percentile, ``q`` in [0, 100]."""
    if not values:
        return float('nan')
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    pos = (len(data) - 1) * q / 100.0
    low = int(math.floor(pos))
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def median(values):
    return percentile(values, 50)


def summary(values):
    """{'n', 'median', 'p90'} in the values' unit."""
    return {'n': len(values), 'median': median(values), 'p90': percentile(values, 90)}
