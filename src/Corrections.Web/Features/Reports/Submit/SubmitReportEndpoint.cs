using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Corrections.Abuse;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Pipeline;
using Corrections.Telemetry;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Corrections.Features.Reports.Submit;

/// <summary>The body of a submission, as the widget sends it.</summary>
public sealed record SubmitReportRequest(
    string? Site, string? Url, string? Title, string? Lang, SelectionRequest? Selection, string? Suggestion, string? Comment,
    string? ReaderEmail, string? ClientRequestId, string? Website, long? ElapsedMs, string? Author = null, string? Section = null);

public sealed record SelectionRequest(string? Exact, string? Prefix, string? Suffix);

public sealed record SubmitReportResponse(Guid Id, ReportStatus Status);

/// <summary>
/// Strict: a property given twice, one the API does not know, or nesting deeper than a submission has is refused, as
/// is a value of the wrong JSON type.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    AllowDuplicateProperties = false,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    MaxDepth = 8,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(SubmitReportRequest))]
public sealed partial class SubmitReportJson : JsonSerializerContext;

public static class SubmitReportEndpoint
{
    public const int MaxBodyBytes = 16 * 1024;

    public static RouteHandlerBuilder MapSubmitReport(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/api/reports", SubmitAsync)
            .RequireRateLimiting(AbuseSetup.PerClientPolicy)
            .WithTags("Readers")
            .WithSummary("Report a mistake")
            .WithDescription("Answers 202 once the report is durably stored. The same clientRequestId again returns the same report; "
                + "an open report on the same page and passage (with the same prefix and suffix) is joined rather than repeated. "
                + "A report with neither prefix nor suffix (words the reader typed rather than selected) is taken and joins no other. "
                + "Any origin may call it and read the answer; reports for a site are taken only from its origins, others get 403.")
            .Accepts<SubmitReportRequest>("application/json")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<Results<Accepted<SubmitReportResponse>, ValidationProblem, ProblemHttpResult, EmptyHttpResult>> SubmitAsync(
        HttpContext context, IMediator mediator, SiteDirectory sites, SiteRateLimiter siteLimiter, NetworkRateLimiter networkLimiter, ClientAddressHasher hasher,
        CorrectionsMetrics metrics, RefusedOrigins refusedOrigins, IOptions<AbuseOptions> abuse, ILogger<SubmitReportRequest> logger,
        CancellationToken cancellationToken)
    {
        metrics.ReportReceived();
        // After the client's own limit (the rate limiter's policy), so that one client over it does not use up its neighbours'.
        using (var networkLease = networkLimiter.Acquire(context.Connection.RemoteIpAddress))
        {
            if (!networkLease.IsAcquired)
            {
                metrics.ReportRejected("network_rate_limit", null);
                await TooManyRequests.WriteAsync(context, networkLease, "from your network", cancellationToken);
                return TypedResults.Empty;
            }
        }
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            metrics.ReportRejected("not_json", null);
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "The report must be sent as JSON.", detail: "Send the report with Content-Type: application/json.");
        }
        var errors = new ValidationErrors();
        bool tooLarge;
        SubmitReport? command;
        try
        {
            (tooLarge, command) = await ReadSubmissionAsync(request, errors, cancellationToken);
        }
        catch (BadHttpRequestException ex)
        {
            // The body ended before its Content-Length, or came too slowly: the client's fault, not the service's.
            logger.LogInformation("A report's body could not be read ({StatusCode}): {Reason}", ex.StatusCode, ex.Message);
            metrics.ReportRejected("incomplete", null);
            return TypedResults.Problem(statusCode: ex.StatusCode,
                title: ex.StatusCode == StatusCodes.Status408RequestTimeout ? "The report arrived too slowly." : "The report was cut off.",
                detail: "The body did not arrive whole. Nothing was stored; send the report again.");
        }
        if (tooLarge)
        {
            metrics.ReportRejected("too_large", null);
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "The report is too large.", detail: $"A report may be at most {MaxBodyBytes / 1024} KB.");
        }
        if (command is null)
        {
            metrics.ReportRejected("invalid", null);
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The report is not valid.", detail: "See errors for what to change in each field.");
        }

        if (sites.Find(command.Site) is { } site)
        {
            if (request.Headers.Origin.ToString() is { Length: > 0 } origin && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && site.IsOwnOrigin(uri)))
            {
                metrics.ReportRejected("origin", site.Key);
                refusedOrigins.Refused(site.Key, origin);
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "This page may not send reports for this site.",
                    detail: $"Reports for '{site.Key}' are accepted only from its registered origins, not from {origin}. "
                        + $"To accept them, add {origin} to the site's Origins in the service's settings (Sites:N:Origins).");
            }
            // A bot's reports count against its client's limit only: a bot trap's catch must not lock a site's readers out.
            var trapped = SubmitReportHandler.TrapReason(command, abuse.Value.MinimumFillMilliseconds) is not null;
            using var lease = trapped ? null : siteLimiter.Acquire(site.Key);
            if (lease is { IsAcquired: false })
            {
                metrics.ReportRejected("site_rate_limit", site.Key);
                await TooManyRequests.WriteAsync(context, lease, $"for the site '{site.Key}'", cancellationToken);
                return TypedResults.Empty;
            }
        }

        command = command with { ClientHash = hasher.Hash(context.Connection.RemoteIpAddress) };
        SubmitReportResult result;
        try
        {
            result = await mediator.Send(command, cancellationToken);
        }
        catch (RequestValidationException)
        {
            metrics.ReportRejected("invalid", sites.Find(command.Site)?.Key);
            throw;
        }
        catch (NotFoundException)
        {
            metrics.ReportRejected("unknown_site", null);
            throw;
        }
        metrics.ReportAccepted(sites.Find(command.Site)!.Key, result.Joined);
        return TypedResults.Accepted($"/api/reports/{result.Id}", new SubmitReportResponse(result.Id, result.Status));
    }

    /// <summary>
    /// Reads the body, at most <see cref="MaxBodyBytes"/>, and parses it strictly; what is wrong goes to
    /// <paramref name="errors"/> by field. Too large as soon as it passes the limit, before anything is parsed.
    /// </summary>
    public static async ValueTask<(bool TooLarge, SubmitReport? Command)> ReadSubmissionAsync(
        HttpRequest request, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
            return (true, null);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            var length = 0;
            int read;
            while (length <= MaxBodyBytes && (read = await request.Body.ReadAsync(buffer.AsMemory(length, MaxBodyBytes + 1 - length), cancellationToken)) > 0)
                length += read;
            return length > MaxBodyBytes ? (true, null) : (false, Read(buffer.AsSpan(0, length), errors));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The command of a JSON body, or null with the reasons in <paramref name="errors"/>.</summary>
    public static SubmitReport? Read(ReadOnlySpan<byte> body, ValidationErrors errors)
    {
        SubmitReportRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, SubmitReportJson.Default.SubmitReportRequest);
        }
        catch (JsonException ex)
        {
            // "$.selection.exact" names the field "selection.exact"; a problem with the body as a whole is "$".
            var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "$";
            errors.Add(field, $"The body is not a valid report: {ex.Message.Split(" Path: ")[0]}");
            return null;
        }
        if (request is null)
        {
            errors.Add("$", "The body must be a JSON object.");
            return null;
        }
        var site = Required(request.Site, "site", errors);
        var url = Required(request.Url, "url", errors);
        string? exact = null;
        if (request.Selection is null)
            errors.Add("selection", "The selection is required: an object with exact, prefix and suffix.");
        else
            exact = Required(request.Selection.Exact, "selection.exact", errors);
        if (request.ElapsedMs < 0)
            errors.Add("elapsedMs", "The field elapsedMs must be a whole number of 0 or more.");
        if (errors.Any)
            return null;
        return new SubmitReport(
            site!.Trim(), url!.Trim(), Optional(request.Title), Optional(request.Lang),
            exact!, Clean(request.Selection!.Prefix) ?? "", Clean(request.Selection.Suffix) ?? "",
            Optional(request.Suggestion), Optional(request.Comment), Optional(request.ReaderEmail), Optional(request.ClientRequestId),
            Honeypot: Clean(request.Website), ElapsedMs: request.ElapsedMs, Author: Optional(request.Author), Section: Optional(request.Section));
    }

    private static string? Clean(string? text) => text is null ? null : ReaderText.Clean(text);

    private static string? Optional(string? text) => Clean(text) is { } clean && !string.IsNullOrWhiteSpace(clean) ? clean.Trim() : null;

    private static string? Required(string? text, string field, ValidationErrors errors)
    {
        var clean = Clean(text);
        if (clean is null)
            errors.Add(field, $"The field {field} is required.");
        else if (string.IsNullOrWhiteSpace(clean))
            errors.Add(field, $"The field {field} must not be empty.");
        return clean;
    }
}
