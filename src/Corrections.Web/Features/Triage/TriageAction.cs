using Corrections.Data;

namespace Corrections.Features.Triage;

public enum TriageAction
{
    Fixed,
    Reject,
    Duplicate,
    Spam,
    Reopen,

    /// <summary>Adds a note to the history without changing the status.</summary>
    Note,
}

public static class TriageActions
{
    /// <summary>The actions an editor's mail offers as links.</summary>
    public static readonly TriageAction[] Linked = [TriageAction.Fixed, TriageAction.Reject, TriageAction.Duplicate, TriageAction.Spam];

    public static string Name(this TriageAction action) => action.ToString().ToLowerInvariant();

    public static bool TryParse(string? text, out TriageAction action)
    {
        action = default;
        return text is { Length: > 0 } && !char.IsDigit(text[0]) && Enum.TryParse(text, ignoreCase: true, out action) && Enum.IsDefined(action);
    }

    public static ReportStatus? TargetStatus(this TriageAction action) => action switch
    {
        TriageAction.Fixed => ReportStatus.Fixed,
        TriageAction.Reject => ReportStatus.Rejected,
        TriageAction.Duplicate => ReportStatus.Duplicate,
        TriageAction.Spam => ReportStatus.Spam,
        TriageAction.Reopen => ReportStatus.New,
        _ => null,
    };

    /// <summary>What a button or page says for the action.</summary>
    public static string Label(this TriageAction action) => action switch
    {
        TriageAction.Fixed => "Fixed",
        TriageAction.Reject => "Reject",
        TriageAction.Duplicate => "Duplicate",
        TriageAction.Spam => "Spam",
        TriageAction.Reopen => "Reopen",
        _ => "Add note",
    };
}
