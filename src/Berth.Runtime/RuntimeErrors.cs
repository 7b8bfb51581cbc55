namespace Berth.Runtime;

/// <summary>A sandbox, container or image that does not exist (CRI NotFound).</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>The request cannot be applied in the current state (CRI FailedPrecondition).</summary>
public sealed class PreconditionException(string message) : Exception(message);
