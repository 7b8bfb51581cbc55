namespace Berth.Cri;

/// <summary>
/// Ids in requests. Berth's are 64 hex digits and any unique prefix names one, as in crictl.
/// Something that cannot be an id at all (empty, a path, control characters) is a bad request;
/// a well-formed id that names nothing is NotFound, or success for Stop and Remove.
/// </summary>
internal static class CriIds
{
    private const int MaxLength = 128;

    public static string Require(string id, string field)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw CriErrors.InvalidArgument($"{field} is required");
        }

        // UUIDs and names pass (critest stops and removes made-up UUIDs and expects success);
        // slashes, dots-only and control characters never name anything.
        if (id.Length > MaxLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':') || id.All(c => c == '.'))
        {
            throw CriErrors.InvalidArgument($"{field} \"{id}\" is not a valid id");
        }

        return id;
    }
}
