namespace Berth.Core.Admission;

/// <summary>
/// One container value a LimitRange filled in: for <c>inspect</c>, which request or limit came
/// from which LimitRange rather than from the manifest. Values the API server's own defaulting set
/// (a request copied from the container's limit) are not listed: they came from the manifest.
/// </summary>
/// <param name="Container">The container's name.</param>
/// <param name="InitContainer">Whether it is an init container (sidecars included).</param>
/// <param name="Resource">The resource name, e.g. <c>cpu</c>.</param>
/// <param name="Field"><see cref="Requests"/> or <see cref="Limits"/>.</param>
/// <param name="Value">The value set, as Kubernetes prints it.</param>
/// <param name="LimitRange">The name of the LimitRange whose default it was.</param>
public sealed record LimitRangeProvenance(string Container, bool InitContainer, string Resource, string Field, string Value, string LimitRange)
{
    public const string Requests = "requests";
    public const string Limits = "limits";

    /// <summary>The field within the container, e.g. <c>resources.limits.cpu</c>.</summary>
    public string FieldPath => $"resources.{Field}.{Resource}";

    public override string ToString() =>
        $"{(InitContainer ? "init container" : "container")} {Container}: {FieldPath}={Value} from LimitRange {LimitRange}";
}
