namespace Berth.Core.Manifests;

/// <summary>One problem with user input, located by source and field path
/// (<c>spec.containers[1].resources.limits.memory</c>), worded like the API server's field errors.</summary>
public sealed record FieldError(string Source, string Path, string Message)
{
    public override string ToString() =>
        string.IsNullOrEmpty(Path) ? $"{Source}: {Message}" : $"{Source}: {Path}: {Message}";
}

/// <summary>Thrown when user input is invalid. Carries every error found, not just the first.</summary>
public sealed class ValidationException(IReadOnlyList<FieldError> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}
