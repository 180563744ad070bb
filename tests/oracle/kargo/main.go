// Command kargo-oracle answers questions about Kargo objects with Kargo's own code (v1.11.2), so that the
// board model can be compared with it (tests/oracle/). It reads one JSON case per line on stdin and writes
// one JSON answer per line on stdout, in order, until stdin closes.
//
// Cases:
//
//	{"op": "stage", "now": RFC3339, "stage": Stage, "freight": Freight}
//	  -> {"isControlFlow", "isFreightAvailable", "isCurrentlyIn": {stage: bool}, "isVerifiedIn": {...},
//	      "isApprovedFor": {...}, "hasSoakedIn": {"<request index>/<upstream>": bool}}
//	     for the Stage itself and every upstream Stage its requests name.
//	{"op": "appHealth", "project": p, "stageName": s, "apps": [{"name", "namespace", "desiredRevisions"}],
//	 "applications": [Application]}
//	  -> {"status", "issues"}: the Stage health Kargo's argocd-update health checker computes.
//	{"op": "duration", "value": "1.5h"} -> {"ok", "ns"}: time.ParseDuration, as metav1.Duration reads it.
//
// A line that cannot be decoded gets {"error": "..."}. Kargo measures soak time against the real clock
// (time.Since); the oracle shifts every time in the Freight's status by (real now - case now) just before it
// asks, so Kargo sees the elapsed times the case describes (plus the few microseconds the call takes).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kargoapi "github.com/akuity/kargo/api/v1alpha1"
	argocd "github.com/akuity/kargo/pkg/controller/argocd/api/v1alpha1"
	"github.com/akuity/kargo/pkg/health"
	"github.com/akuity/kargo/pkg/health/checker/builtin"
)

type request struct {
	Op           string               `json:"op"`
	Now          time.Time            `json:"now"`
	Stage        json.RawMessage      `json:"stage"`
	Freight      json.RawMessage      `json:"freight"`
	Project      string               `json:"project"`
	StageName    string               `json:"stageName"`
	Apps         []map[string]any     `json:"apps"`
	Applications []argocd.Application `json:"applications"`
	Value        string               `json:"value"`
}

type stageAnswer struct {
	IsControlFlow      bool            `json:"isControlFlow"`
	IsFreightAvailable bool            `json:"isFreightAvailable"`
	IsCurrentlyIn      map[string]bool `json:"isCurrentlyIn"`
	IsVerifiedIn       map[string]bool `json:"isVerifiedIn"`
	IsApprovedFor      map[string]bool `json:"isApprovedFor"`
	HasSoakedIn        map[string]bool `json:"hasSoakedIn"`
}

type healthAnswer struct {
	Status string   `json:"status"`
	Issues []string `json:"issues"`
}

// caseClient is the client the one registered health checker reads each case's Applications through: Get
// returns a copy of the case's Application (or NotFound), Patch (Kargo's refresh request) is accepted and
// dropped. Every other method is left to the embedded nil interface: Kargo's checker calls none.
type caseClient struct {
	client.Client
	apps map[client.ObjectKey]*argocd.Application
}

func (c *caseClient) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	app, found := c.apps[key]
	if !found {
		return apierrors.NewNotFound(schema.GroupResource{Group: "argoproj.io", Resource: "applications"}, key.Name)
	}
	target, ok := obj.(*argocd.Application)
	if !ok {
		return fmt.Errorf("kargo-oracle: Get of %T is not supported", obj)
	}
	app.DeepCopyInto(target)
	return nil
}

func (c *caseClient) Patch(context.Context, client.Object, client.Patch, ...client.PatchOption) error {
	return nil
}

func main() {
	apps := &caseClient{}
	builtin.Initialize(apps)
	checker := health.NewAggregatingChecker()

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	encoder := json.NewEncoder(out)
	for in.Scan() {
		line := in.Bytes()
		if len(line) == 0 {
			continue
		}
		answer, err := answer(line, apps, checker)
		if err != nil {
			answer = map[string]string{"error": err.Error()}
		}
		if err := encoder.Encode(answer); err != nil {
			fmt.Fprintln(os.Stderr, "kargo-oracle:", err)
			os.Exit(1)
		}
		// The caller may wait for each answer before it sends the next case.
		if err := out.Flush(); err != nil {
			fmt.Fprintln(os.Stderr, "kargo-oracle:", err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "kargo-oracle:", err)
		os.Exit(1)
	}
}

func answer(line []byte, apps *caseClient, checker health.AggregatingChecker) (result any, err error) {
	// A nil pointer Kargo itself would trip over (e.g. currentlyIn without since, read by GetLongestSoak)
	// is an answer too: {"error": "panic: ..."}.
	defer func() {
		if recovered := recover(); recovered != nil {
			result, err = nil, fmt.Errorf("panic: %v", recovered)
		}
	}()
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return nil, err
	}
	switch req.Op {
	case "stage":
		return stageVerdicts(req)
	case "appHealth":
		apps.apps = make(map[client.ObjectKey]*argocd.Application, len(req.Applications))
		for i := range req.Applications {
			apps.apps[client.ObjectKeyFromObject(&req.Applications[i])] = &req.Applications[i]
		}
		criteria := []health.Criteria{{Kind: "argocd-update", Input: health.Input{"apps": req.Apps}}}
		result := checker.Check(context.Background(), req.Project, req.StageName, criteria)
		issues := result.Issues
		if issues == nil {
			issues = []string{}
		}
		return healthAnswer{Status: string(result.Status), Issues: issues}, nil
	case "duration":
		// How a metav1.Duration field (requiredSoakTime, longestSoak) reads a string.
		d, err := time.ParseDuration(req.Value)
		if err != nil {
			return map[string]any{"ok": false}, nil
		}
		return map[string]any{"ok": true, "ns": int64(d)}, nil
	default:
		return nil, fmt.Errorf("unknown op %q", req.Op)
	}
}

func stageVerdicts(req request) (*stageAnswer, error) {
	stage := &kargoapi.Stage{}
	freight := &kargoapi.Freight{}
	if err := json.Unmarshal(req.Stage, stage); err != nil {
		return nil, fmt.Errorf("stage: %w", err)
	}
	if err := json.Unmarshal(req.Freight, freight); err != nil {
		return nil, fmt.Errorf("freight: %w", err)
	}
	shiftToRealClock(freight, req.Now)
	names := []string{stage.Name}
	for _, r := range stage.Spec.RequestedFreight {
		names = append(names, r.Sources.Stages...)
	}
	answer := &stageAnswer{
		IsControlFlow:      stage.IsControlFlow(),
		IsFreightAvailable: stage.IsFreightAvailable(freight),
		IsCurrentlyIn:      map[string]bool{},
		IsVerifiedIn:       map[string]bool{},
		IsApprovedFor:      map[string]bool{},
		HasSoakedIn:        map[string]bool{},
	}
	for _, name := range names {
		answer.IsCurrentlyIn[name] = freight.IsCurrentlyIn(name)
		answer.IsVerifiedIn[name] = freight.IsVerifiedIn(name)
		answer.IsApprovedFor[name] = freight.IsApprovedFor(name)
	}
	for i, r := range stage.Spec.RequestedFreight {
		for _, upstream := range r.Sources.Stages {
			key := fmt.Sprintf("%d/%s", i, upstream)
			answer.HasSoakedIn[key] = freight.HasSoakedIn(upstream, r.Sources.RequiredSoakTime)
		}
	}
	return answer, nil
}

// shiftToRealClock moves the Freight's `currentlyIn[].since` times so that time.Since(since) is the time
// between since and the case's `now`.
func shiftToRealClock(freight *kargoapi.Freight, now time.Time) {
	offset := time.Since(now)
	for name, record := range freight.Status.CurrentlyIn {
		if record.Since != nil {
			record.Since = &metav1.Time{Time: record.Since.Add(offset)}
			freight.Status.CurrentlyIn[name] = record
		}
	}
}
