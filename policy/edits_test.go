package policy

import (
	"errors"
	"strings"
	"testing"
)

const editsHeader = "edit_id,kind,item_code,other,param,action,effective_from,effective_to,source\n"

// goodEdits has one edit of every kind.
const goodEdits = editsHeader +
	"E01,sex,XC10AA05,,M,refuse,,,国家医保药品目录（2025）限定性别\n" +
	"E02,age,LAB02,,..14,self_pay,2026-01-01,2026-12-31,儿童限定\n" +
	"E03,indication,XL01XC03,,C50|C16,refuse,,,国家医保药品目录（2025）限定支付范围\n" +
	"E04,level,EXM02,,2,refuse,,,二级及以上医疗机构\n" +
	"E05,exclusive,LAB01,LAB02,,refuse,,,互斥项目\n" +
	"E06,bundled,LAB01,EXM01,,refuse,,,包含项目\n" +
	"E07,repeat,EXM01,,30,refuse,,,检查检验结果互认\n" +
	"E08,units,XJ01DD04,,day:4,refuse,,,限定日剂量\n" +
	"E09,discount,EXM02,,0.5,refuse,,,多项手术\n" +
	"E10,age,LAB01,,60..,flag,,,老年人提示\n"

// TestEditsLoad: every kind's param is read; a bundle without edits.csv has none.
func TestEditsLoad(t *testing.T) {
	files := sampleFiles(t)
	delete(files, FileEdits)
	b, err := FromFiles(files, testOptions)
	if err != nil || len(b.Edits) != 0 || b.HasEdits() || b.RepeatDays() != 0 {
		t.Fatalf("no edits.csv: %v %d", err, len(b.Edits))
	}
	files[FileEdits] = []byte(goodEdits)
	b, err = FromFiles(files, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	e := map[string]Edit{}
	for _, x := range b.Edits {
		e[x.ID] = x
	}
	switch {
	case len(b.Edits) != 10, e["E01"].Sex != "M", e["E02"].AgeMin != nil || *e["E02"].AgeMax != 14, e["E02"].To.Year() != 2026,
		strings.Join(e["E03"].Prefixes, ",") != "C50,C16", e["E04"].Level != 2, e["E05"].Other != "LAB02", e["E07"].Days != 30,
		e["E08"].Per != "day" || e["E08"].Units.String() != "4", e["E09"].Keep.String() != "0.5", *e["E10"].AgeMin != 60 || e["E10"].AgeMax != nil,
		e["E10"].Action != EditFlag, !strings.Contains(e["E03"].Source, "限定支付范围"):
		t.Errorf("edits read: %+v", b.Edits)
	}
	// the index: an item's edits in test order (kind, then id); repeat's look-back.
	var order []string
	for _, x := range b.EditsFor("LAB01") {
		order = append(order, x.ID)
	}
	if strings.Join(order, ",") != "E10,E05,E06" || b.RepeatDays() != 30 || !b.RepeatEdits() || !b.EditsFor("LAB01")[1].WholeLine() || b.EditsFor("XJ01DD04")[0].WholeLine() {
		t.Errorf("index: LAB01 %v, repeat %d", order, b.RepeatDays())
	}
}

// TestEditsRefused: each defect of POLICY.md §10.5 and §10.7 refuses the bundle whole,
// naming file, line and column.
func TestEditsRefused(t *testing.T) {
	for _, c := range []struct{ name, row, want string }{
		{"unknown kind", "X1,colour,LAB01,,,refuse,,,s", `edits.csv:2:4: kind: "colour" is not one of`},
		{"unknown action", "X1,sex,LAB01,,M,fine,,,s", `edits.csv:2:17: action: "fine" is not one of refuse, self_pay, flag`},
		{"item not in the catalogue", "X1,sex,NOPE,,M,refuse,,,s", `edits.csv:2:8: item_code: "NOPE" is not in catalogue.csv`},
		{"other not in the catalogue", "X1,exclusive,LAB01,NOPE,,refuse,,,s", `edits.csv:2:20: other: "NOPE" is not in catalogue.csv`},
		{"other missing", "X1,bundled,LAB01,,,refuse,,,s", "other: a bundled edit names the other item"},
		{"other on a kind without one", "X1,sex,LAB01,LAB02,M,refuse,,,s", "other: a sex edit takes no other item"},
		{"bad sex", "X1,sex,LAB01,,X,refuse,,,s", `param: "X": an edit of kind sex wants F or M`},
		{"bad age", "X1,age,LAB01,,14..2,refuse,,,s", `param: "14..2": an edit of kind age wants an age range`},
		{"open age on both sides", "X1,age,LAB01,,..,refuse,,,s", "an edit of kind age wants"},
		{"no indication", "X1,indication,LAB01,,,refuse,,,s", "ICD-10 prefixes"},
		{"bad level", "X1,level,LAB01,,4,refuse,,,s", "a level 1, 2 or 3"},
		{"param on exclusive", "X1,exclusive,LAB01,LAB02,3,refuse,,,s", "wants no param"},
		{"bad repeat", "X1,repeat,LAB01,,0,refuse,,,s", "whole days ≥ 1"},
		{"bad units", "X1,units,LAB01,,week:4,refuse,,,s", "day:N or claim:N"},
		{"bad discount", "X1,discount,LAB01,,1.5,refuse,,,s", "the ratio kept, 0 to 1"},
		{"bad date", "X1,sex,LAB01,,M,refuse,2026-13-01,,s", `effective_from: "2026-13-01" is not a date`},
		{"from after to", "X1,sex,LAB01,,M,refuse,2026-06-01,2026-05-01,s", "effective_from: 2026-06-01 is after effective_to 2026-05-01"},
		{"no source", "X1,sex,LAB01,,M,refuse,,,", "source: a value is required"},
		{"an id twice", "E01,sex,LAB01,,M,refuse,,,s", `edit_id: "E01" is given twice`},
	} {
		files := sampleFiles(t)
		files[FileEdits] = []byte(editsHeader + "E01,sex,XC10AA05,,M,refuse,,,s\n" + c.row + "\n")
		if c.name != "an id twice" {
			files[FileEdits] = []byte(editsHeader + c.row + "\n")
		}
		b, err := FromFiles(files, testOptions)
		var be *BundleError
		if b != nil || !errors.As(err, &be) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
