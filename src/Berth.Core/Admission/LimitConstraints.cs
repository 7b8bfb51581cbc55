using System.Globalization;

namespace Berth.Core.Admission;

/// <summary>
/// The LimitRanger plugin's three checks of one resource against one LimitRange value, with its
/// messages (minConstraint, maxConstraint and limitRequestRatioConstraint in
/// plugin/pkg/admission/limitranger/admission.go). Each returns null when the value is within
/// bounds. Requests and limits are those of a container, or the pod's totals for type Pod.
/// </summary>
public static class LimitConstraints
{
    public static string? Min(string type, string resource, FormattedQuantity enforced,
        IReadOnlyDictionary<string, FormattedQuantity> requests, IReadOnlyDictionary<string, FormattedQuantity> limits)
    {
        var hasRequest = requests.TryGetValue(resource, out var request);
        var hasLimit = limits.TryGetValue(resource, out var limit);
        var (observedRequest, observedLimit, bound) = Comparable(request, limit, enforced);
        if (!hasRequest)
        {
            return $"minimum {resource} usage per {type} is {enforced}.  No request is specified";
        }

        if (observedRequest < bound)
        {
            return $"minimum {resource} usage per {type} is {enforced}, but request is {request}";
        }

        return hasLimit && observedLimit < bound
            ? $"minimum {resource} usage per {type} is {enforced}, but limit is {limit}"
            : null;
    }

    public static string? Max(string type, string resource, FormattedQuantity enforced,
        IReadOnlyDictionary<string, FormattedQuantity> requests, IReadOnlyDictionary<string, FormattedQuantity> limits)
    {
        var hasRequest = requests.TryGetValue(resource, out var request);
        var hasLimit = limits.TryGetValue(resource, out var limit);
        var (observedRequest, observedLimit, bound) = Comparable(request, limit, enforced);
        if (!hasLimit)
        {
            return $"maximum {resource} usage per {type} is {enforced}.  No limit is specified";
        }

        if (observedLimit > bound)
        {
            return $"maximum {resource} usage per {type} is {enforced}, but limit is {limit}";
        }

        return hasRequest && observedRequest > bound
            ? $"maximum {resource} usage per {type} is {enforced}, but request is {request}"
            : null;
    }

    public static string? MaxLimitRequestRatio(string type, string resource, FormattedQuantity enforced,
        IReadOnlyDictionary<string, FormattedQuantity> requests, IReadOnlyDictionary<string, FormattedQuantity> limits)
    {
        var hasRequest = requests.TryGetValue(resource, out var request);
        var hasLimit = limits.TryGetValue(resource, out var limit);
        var (observedRequest, observedLimit, _) = Comparable(request, limit, enforced);
        if (!hasRequest || observedRequest == 0m)
        {
            return $"{resource} max limit to request ratio per {type} is {enforced}, but no request is specified or request is 0";
        }

        if (!hasLimit || observedLimit == 0m)
        {
            return $"{resource} max limit to request ratio per {type} is {enforced}, but no limit is specified or limit is 0";
        }

        // The plugin divides in float64 and compares the ratio in thousandths when it can.
        var ratio = (double)observedLimit / (double)observedRequest;
        var observed = ratio;
        var allowed = (double)enforced.UnitValue;
        if (enforced.UnitValue <= FormattedQuantity.MaxMilliValue)
        {
            observed = ratio * 1000;
            allowed = (double)enforced.MilliValue;
        }

        return observed > allowed
            ? $"{resource} max limit to request ratio per {type} is {enforced}, but provided ratio is {ratio.ToString("F6", CultureInfo.InvariantCulture)}"
            : null;
    }

    /// <summary>requestLimitEnforcedValues: thousandths when none of the three would overflow,
    /// else whole units; an absent value counts as 0.</summary>
    private static (decimal Request, decimal Limit, decimal Enforced) Comparable(FormattedQuantity request, FormattedQuantity limit, FormattedQuantity enforced)
    {
        var milli = request.UnitValue <= FormattedQuantity.MaxMilliValue && limit.UnitValue <= FormattedQuantity.MaxMilliValue
            && enforced.UnitValue <= FormattedQuantity.MaxMilliValue;
        return milli
            ? (request.MilliValue, limit.MilliValue, enforced.MilliValue)
            : (request.UnitValue, limit.UnitValue, enforced.UnitValue);
    }
}
